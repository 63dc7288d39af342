import { spawn } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with arguments (never through a shell, so names and values cannot inject
 * commands), feeding `input` on stdin. Rejects with the exit status and the end of stderr
 * when it fails or outlives `timeoutMs`.
 */
export function runCommand(argv: readonly string[], options: { input?: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  const [program, ...args] = argv;
  if (!program) return Promise.reject(new Error('empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout = keepTail(stdout + chunk); });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = keepTail(stderr + chunk); });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${program}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      const why = timedOut ? `did not finish within ${options.timeoutMs} ms` : signal ? `was killed by ${signal}` : `exited with status ${code}`;
      const said = (stderr.trim() || stdout.trim()).replace(/\s*\n\s*/g, '; ');
      reject(new Error(`${program} ${why}${said ? `: ${said}` : ''}`));
    });
    // A program that does not read stdin closes it early; that EPIPE is not the failure to report.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

function keepTail(text: string): string {
  return text.length > 8_000 ? text.slice(-8_000) : text;
}
