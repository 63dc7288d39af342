import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handshake } from './nginx.js';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface HaproxyOptions {
  program: string;
  /** The combined PEM (leaf, chain, key) on the bind line: `crt <file>`. */
  combinedFile: string;
}

export interface Haproxy {
  port: number;
  address: string;
  pidFile: string;
  /**
   * The reload line for certificates.yaml: SIGUSR2 to the master through its pid file. The master
   * re-reads the configuration and starts new workers; when the new configuration fails, it keeps
   * the old workers (the reload itself cannot report that: verify does).
   */
  reloadCommand: string;
  process: TestProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * haproxy 2.6 in master-worker mode (-W) in the foreground (-db), on 127.0.0.1:<free port>,
 * answering every request itself. Master-worker is what reloads without systemd: the master keeps
 * the listening sockets and hands them to the new workers, so no connection is refused.
 */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'certops-haproxy-'));
  let proc: TestProcess | undefined;
  try {
    const port = await freePort();
    const config = join(dir, 'haproxy.cfg');
    const pidFile = join(dir, 'haproxy.pid');
    await writeFile(config, [
      'global',
      '  log stderr local0 notice',
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      '  timeout client 30s',
      '  timeout server 30s',
      'frontend tls',
      `  bind 127.0.0.1:${port} ssl crt ${options.combinedFile}`,
      '  http-request return status 200 content-type text/plain string ok',
      '',
    ].join('\n'));
    const started = startProcess(options.program, ['-W', '-db', '-f', config, '-p', pidFile]);
    proc = started;
    await waitFor(() => handshake(port), { what: `haproxy on port ${port}`, timeoutMs: 15_000, abortIf: () => started.exited() && `${started.exited()}: ${started.output()}` || undefined });
    return {
      port,
      address: `127.0.0.1:${port}`,
      pidFile,
      reloadCommand: `pkill -USR2 -F ${pidFile}`,
      process: started,
      output: () => started.output(),
      async stop() {
        await started.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proc?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
