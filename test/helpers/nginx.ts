import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface NginxOptions {
  /** Path of the nginx program (from requireProgram). */
  program: string;
  /** ssl_certificate: the fullchain file the files target writes. */
  certificateFile: string;
  /** ssl_certificate_key. */
  keyFile: string;
}

export interface Nginx {
  port: number;
  /** `127.0.0.1:<port>`: the verify address. */
  address: string;
  prefix: string;
  errorLog: string;
  /** The reload line for certificates.yaml: `nginx -p ... -c ... -e ... -s reload`. */
  reloadCommand: string;
  process: TestProcess;
  stop(): Promise<void>;
}

/**
 * nginx in the foreground on 127.0.0.1:<free port>, with its prefix, pid file, temp paths and
 * logs in a temporary folder (`-p`, `-c`, `-e`), so it touches nothing under /etc or /var.
 * Resolves once a TLS handshake succeeds.
 */
export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'certops-nginx-'));
  let proc: TestProcess | undefined;
  try {
    const port = await freePort();
    await mkdir(join(prefix, 'logs'));
    const conf = join(prefix, 'nginx.conf');
    const errorLog = join(prefix, 'logs', 'error.log');
    const temp = (name: string) => `${name} ${join(prefix, name.replace(/_path$/, ''))};`;
    await writeFile(conf, [
      'worker_processes 1;',
      'user nobody nogroup;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${errorLog} info;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      ...['client_body_temp_path', 'proxy_temp_path', 'fastcgi_temp_path', 'uwsgi_temp_path', 'scgi_temp_path'].map((n) => `  ${temp(n)}`),
      '  server {',
      `    listen 127.0.0.1:${port} ssl;`,
      `    ssl_certificate ${options.certificateFile};`,
      `    ssl_certificate_key ${options.keyFile};`,
      '    return 200 "ok\\n";',
      '  }',
      '}',
      '',
    ].join('\n'));
    const base = ['-p', prefix, '-c', conf, '-e', errorLog];
    const started = startProcess(options.program, [...base, '-g', 'daemon off;']);
    proc = started;
    await waitFor(() => handshake(port), { what: `nginx on port ${port}`, timeoutMs: 15_000, abortIf: () => started.exited() && `${started.exited()}: ${started.output()}` || undefined });
    return {
      port,
      address: `127.0.0.1:${port}`,
      prefix,
      errorLog,
      reloadCommand: [options.program, ...base, '-s', 'reload'].join(' '),
      process: started,
      async stop() {
        await started.stop();
        await rm(prefix, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proc?.stop();
    await rm(prefix, { recursive: true, force: true });
    throw err;
  }
}

/** True once a TLS handshake completes; throws the connection error otherwise. */
export function handshake(port: number, servername = 'localhost'): Promise<true> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', reject);
  });
}
