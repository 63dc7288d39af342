import { spawn } from 'node:child_process';
import { redact } from './redact.js';

export interface RunOptions {
  /** The complete environment of the child (see childEnvironment). */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  cwd?: string;
  /** Written to the child's standard input, which is then closed. */
  input?: string;
  /** Texts that must not appear in `outputTail` (key, identity). */
  secrets?: readonly string[];
}

export interface RunResult {
  /** The exit code; null when the child was killed or could not start. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Why the program could not start (ENOENT, EACCES), when it could not. */
  spawnError?: string;
  stdout: string;
  stderr: string;
  /** The last lines of stderr (else stdout), redacted: for error messages. */
  outputTail: string;
  durationMs: number;
}

const MAX_CAPTURE = 1024 * 1024;
/** How long a child that exited may take to flush its pipes before they are closed on it. */
const DRAIN_MS = 500;
/** Between SIGTERM and SIGKILL after a timeout. */
const KILL_GRACE_MS = 2000;

/**
 * Runs argv[0] with the rest as its arguments: no shell, so nothing in a value is interpreted.
 * The child leads its own process group, so a timeout ends everything it started (a shell
 * script's children included), not only the first process. Never throws for the child's
 * failure: the caller reads the result.
 */
export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (d: Buffer) => {
      if (stdout.length < MAX_CAPTURE) stdout += d.toString('utf8');
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < MAX_CAPTURE) stderr += d.toString('utf8');
    });
    if (options.input !== undefined) {
      // A child that exits without reading its input makes the write fail with EPIPE: its exit code tells the story.
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input);
    }
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    }, options.timeoutMs);

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      const tailSource = stderr.trim() !== '' ? stderr : stdout;
      const result: RunResult = {
        exitCode,
        signal,
        timedOut,
        stdout,
        stderr,
        outputTail: tail(redact(tailSource, options.secrets ?? [])),
        durationMs: Date.now() - started,
      };
      if (spawnError !== undefined) result.spawnError = spawnError;
      resolve(result);
    };
    child.once('error', (err: NodeJS.ErrnoException) => finish(null, null, err.code ?? err.message));
    child.once('exit', (code, signal) => {
      // A daemon started by the command (a reload script that starts a server) may keep our pipes
      // open forever: wait for the output briefly, then stop listening.
      const drained = new Promise<void>((r) => child.once('close', () => r()));
      const deadline = new Promise<void>((r) => setTimeout(r, DRAIN_MS).unref());
      void Promise.race([drained, deadline]).then(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(code, signal);
      });
    });
  });
}

/** The last few lines of an output, for a one-line error message. */
function tail(text: string, lines = 6, chars = 800): string {
  const out = text.trim().split(/\r?\n/).slice(-lines).join(' | ');
  return out.length > chars ? `…${out.slice(-chars)}` : out;
}

/** How a command's failure reads in a step detail. */
export function describeFailure(what: string, result: RunResult, timeoutMs: number): string {
  const output = result.outputTail ? `: ${result.outputTail}` : '';
  if (result.spawnError) return `${what} could not start (${result.spawnError})`;
  if (result.timedOut) return `${what} timed out after ${formatMs(timeoutMs)} and was killed${output}`;
  if (result.signal) return `${what} was killed by ${result.signal}${output}`;
  return `${what} exited with code ${result.exitCode}${output}`;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

/** certops' own secrets, read from the environment: no program it runs has a use for them. */
export const CERTOPS_SECRET_VARIABLES: ReadonlySet<string> = new Set(['CERTOPS_AGE_IDENTITY', 'CERTOPS_ACME_ACCOUNT_KEY', 'CERTOPS_SIEM_SECRET', 'CERTOPS_SIEM_TOKEN']);

/**
 * The environment for a user's command: ours, less what must not reach it. GitHub passes action
 * inputs (the age identity among them) as INPUT_* variables, certops reads its own secrets from
 * CERTOPS_* variables, and a workflow may export secrets under any name, so any variable holding
 * one of `secrets` is left out too.
 */
export function childEnvironment(base: NodeJS.ProcessEnv, secrets: readonly string[], extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const needles = secrets.map((s) => s.trim()).filter((s) => s.length >= 8);
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || k.startsWith('INPUT_') || CERTOPS_SECRET_VARIABLES.has(k)) continue;
    if (needles.some((n) => v.includes(n) || (v.length >= 8 && n.includes(v.trim())))) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
