import { spawn, type ChildProcess } from 'node:child_process';

/** A server process started by a test; stop() ends it and waits until it has exited. */
export interface TestProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** Why it is not running, or undefined while it runs. */
  exited(): string | undefined;
  stop(): Promise<void>;
}

export interface StartProcessOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep at most this many characters of output. */
  maxOutput?: number;
}

/** Starts `program` with `args` (no shell) and collects its output. */
export function startProcess(program: string, args: readonly string[], options: StartProcessOptions = {}): TestProcess {
  const child = spawn(program, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const max = options.maxOutput ?? 200_000;
  let output = '';
  let exit: string | undefined;
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > max) output = output.slice(-max);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `${program} was killed by ${signal}` : `${program} exited with code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exit = `${program} could not start: ${err.message}`;
      resolve();
    });
  });
  return {
    child,
    output: () => output,
    exited: () => exit,
    async stop() {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
