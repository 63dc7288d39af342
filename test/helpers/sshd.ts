import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './processes.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface Sshd {
  port: number;
  /** The user the client logs in as (the one running the tests). */
  user: string;
  /** The host's public key, `ssh-ed25519 AAAA...`: what a target pins. */
  hostKey: string;
  /** A private key authorized to log in (OpenSSH format). */
  clientKey: string;
  logFile: string;
  process: TestProcess;
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** A fresh `ssh-ed25519 AAAA...` public key that belongs to no server: a wrong pin. */
export async function strayHostKey(dir: string, keygen = 'ssh-keygen'): Promise<string> {
  const file = join(dir, `stray-${Date.now()}`);
  await run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file]);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/**
 * sshd on 127.0.0.1:<free port> with its own host key, authorized_keys and pid file in a
 * temporary folder, in the foreground (-D) with its log in a file (-E). Needs /run/sshd (its
 * privilege separation directory), which it creates.
 */
export async function startSshd(program = '/usr/sbin/sshd', keygen = 'ssh-keygen'): Promise<Sshd> {
  const dir = await mkdtemp(join(tmpdir(), 'certops-sshd-'));
  let proc: TestProcess | undefined;
  try {
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    await run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'host_key')]);
    await run(keygen, ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'client_key')]);
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')), { mode: 0o600 });
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    const logFile = join(dir, 'sshd.log');
    await writeFile(config, [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'LogLevel VERBOSE',
      '',
    ].join('\n'));
    const started = startProcess(program, ['-D', '-f', config, '-E', logFile]);
    proc = started;
    await waitFor(() => banner(port), { what: `sshd on port ${port}`, timeoutMs: 15_000, abortIf: () => started.exited() && `${started.exited()}: ${started.output()}` || undefined });
    return {
      port,
      user: userInfo().username,
      hostKey: (await readFile(join(dir, 'host_key.pub'), 'utf8')).trim(),
      clientKey: await readFile(join(dir, 'client_key'), 'utf8'),
      logFile,
      process: started,
      log: () => readFile(logFile, 'utf8').catch(() => ''),
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

/** True once the server sends its SSH-2.0 identification line. */
function banner(port: number): Promise<true | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000, () => socket.destroy(new Error('no banner')));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString('latin1').startsWith('SSH-2.0') ? true : undefined);
    });
    socket.once('error', reject);
  });
}
