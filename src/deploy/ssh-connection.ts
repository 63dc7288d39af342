import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeFailure, runCommand, type RunResult } from '../process/run-command.js';

export interface SshOptions {
  host: string;
  port?: number;
  user?: string;
  /** known_hosts content pinning the host key: full lines, or bare `<type> <key>` lines. */
  knownHosts: string;
  /** An OpenSSH private key; without one ssh uses the agent and the user's default keys. */
  identity?: string;
  /** Private folder for the known_hosts and identity files; they are removed by close(). */
  workDir: string;
  /** The environment ssh runs with (SSH_AUTH_SOCK comes from here). */
  env: NodeJS.ProcessEnv;
  /** Texts that must not appear in messages. */
  secrets: readonly string[];
  /** The ssh program (default `ssh` from PATH). */
  program?: string;
  connectTimeoutSeconds?: number;
}

const KEY_TYPES = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(-cert-v01@openssh\.com)?$/;

/**
 * The known_hosts file certops hands ssh. Lines with a host pattern are kept as given (the
 * output of `ssh-keyscan -p PORT host`); a bare `<type> <base64>` line is pinned to this host
 * and port, in the `[host]:port` form ssh looks up for ports other than 22.
 */
export function pinnedKnownHosts(content: string, host: string, port: number): string {
  const pattern = port === 22 ? host : `[${host}]:${port}`;
  const lines: string[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    lines.push(KEY_TYPES.test(line.split(/\s+/)[0]!) ? `${pattern} ${line}` : line);
  }
  if (lines.length === 0) throw new Error('knownHosts holds no host key line');
  return `${lines.join('\n')}\n`;
}

/**
 * ssh to one host with its key pinned: StrictHostKeyChecking=yes against a known_hosts file
 * that holds only the pinned key (the user's and the system's files are not consulted), and
 * BatchMode so nothing can prompt. An unknown or changed host key ends the connection; certops
 * never accepts a key on first use.
 */
export class SshConnection {
  readonly label: string;
  private constructor(
    private readonly options: SshOptions,
    private readonly dir: string,
    private readonly args: string[],
  ) {
    this.label = `${options.user ? `${options.user}@` : ''}${options.host}${options.port && options.port !== 22 ? `:${options.port}` : ''}`;
  }

  static async open(options: SshOptions): Promise<SshConnection> {
    // An argument that starts with "-" would be read by ssh as an option (ProxyCommand=...).
    if (!/^[^\s-][^\s]*$/.test(options.host)) throw new Error(`ssh.host "${options.host}" is not a host name or address`);
    if (options.user !== undefined && !/^[^\s-][^\s@]*$/.test(options.user)) throw new Error(`ssh.user "${options.user}" is not a user name`);
    const port = options.port ?? 22;
    const knownHosts = pinnedKnownHosts(options.knownHosts, options.host, port);
    const dir = await mkdtemp(join(options.workDir, 'ssh-'));
    try {
      const knownHostsFile = join(dir, 'known_hosts');
      await writeFile(knownHostsFile, knownHosts, { mode: 0o600 });
      const args = [
        '-o', 'StrictHostKeyChecking=yes',
        '-o', `UserKnownHostsFile=${knownHostsFile}`,
        '-o', 'GlobalKnownHostsFile=/dev/null',
        '-o', 'UpdateHostKeys=no',
        '-o', 'BatchMode=yes',
        '-o', `ConnectTimeout=${options.connectTimeoutSeconds ?? 15}`,
        '-o', 'ServerAliveInterval=15',
        '-o', 'ServerAliveCountMax=2',
        '-o', 'LogLevel=ERROR',
        '-p', String(port),
      ];
      if (options.user) args.push('-l', options.user);
      if (options.identity !== undefined) {
        const identityFile = join(dir, 'identity');
        const text = options.identity.endsWith('\n') ? options.identity : `${options.identity}\n`;
        await writeFile(identityFile, text, { mode: 0o600 });
        args.push('-o', 'IdentitiesOnly=yes', '-i', identityFile);
      }
      return new SshConnection(options, dir, args);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Runs a POSIX sh script on the host. The script travels on ssh's standard input to `sh -s`,
   * so file contents in it (the key) never appear in a command line on either machine.
   */
  run(script: string, timeoutMs: number, secrets: readonly string[] = []): Promise<RunResult> {
    const argv = [this.options.program ?? 'ssh', ...this.args, '--', this.options.host, 'sh', '-s'];
    return runCommand(argv, { env: this.options.env, timeoutMs, input: script, secrets: [...this.options.secrets, ...secrets] });
  }

  /** A failed run, explained: ssh's own failures (exit 255) are told apart from the script's. */
  explain(what: string, result: RunResult, timeoutMs: number): string {
    const output = `${result.stderr}\n${result.stdout}`;
    if (result.exitCode === 255 || result.spawnError) {
      if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No (?:\S+ )?host key is known/i.test(output)) {
        return `ssh refused ${this.label}: the key it presents is not the one pinned in knownHosts (${result.outputTail}). certops never trusts a host key on first use: pin the right key (ssh-keyscan -p ${this.options.port ?? 22} ${this.options.host}, checked out of band)`;
      }
      if (/Permission denied/i.test(output)) return `ssh could not log in to ${this.label}: ${result.outputTail} (check identitySecret and the user's authorized_keys)`;
      return describeFailure(`ssh to ${this.label}`, result, timeoutMs);
    }
    return describeFailure(`${what} on ${this.label}`, result, timeoutMs);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
