import { isIP } from 'node:net';
import { childEnvironment, describeFailure, runCommand } from '../../../process/run-command.js';
import { dns01RecordName, type ChallengeSolver, type ChallengeTask } from './types.js';

export interface Rfc2136Settings {
  /** `host`, `host:port`, `[v6]:port` or a bare IPv6 address; port 53 by default. */
  server: string;
  tsigKeyName?: string;
  /** hmac-sha256 by default. */
  tsigAlgorithm?: string;
  /** The TSIG secret itself (base64), resolved by the caller from the secret it is named by. */
  tsigSecret?: string;
}

const TSIG_ALGORITHMS = new Set(['hmac-md5', 'hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']);
// What may reach nsupdate's input: its commands are line-based and space-separated, so these
// rules keep a value from adding a command of its own.
const DNS_NAME = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_-]+)*\.?$/;
const BASE64 = /^[A-Za-z0-9+/_=-]+$/;

/**
 * dns-01 through an RFC 2136 dynamic update signed with TSIG, sent by BIND's `nsupdate`
 * (bind9-dnsutils). The secret reaches nsupdate on stdin (its `key` command), never on the
 * command line where other users could read it. nsupdate finds the zone by asking the server
 * for the SOA of the record's name.
 */
export class Rfc2136Dns01Solver implements ChallengeSolver {
  readonly type = 'dns-01';
  readonly description: string;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly settings: Rfc2136Settings, private readonly options: { nsupdatePath: string; timeoutMs: number }) {
    ({ host: this.host, port: this.port } = parseServer(settings.server));
    const algorithm = settings.tsigAlgorithm ?? 'hmac-sha256';
    if (!TSIG_ALGORITHMS.has(algorithm.toLowerCase())) {
      throw new Error(`dns01.rfc2136.tsigAlgorithm "${algorithm}" is not one of ${[...TSIG_ALGORITHMS].join(', ')}`);
    }
    if (settings.tsigKeyName !== undefined && !DNS_NAME.test(settings.tsigKeyName)) throw new Error(`dns01.rfc2136.tsigKeyName "${settings.tsigKeyName}" is not a key name`);
    if (settings.tsigKeyName !== undefined && !settings.tsigSecret) throw new Error(`dns01.rfc2136: key ${settings.tsigKeyName} has no secret`);
    if (settings.tsigSecret !== undefined && !BASE64.test(settings.tsigSecret)) throw new Error('dns01.rfc2136: the TSIG secret is not base64');
    this.description = `dns-01 RFC 2136 via ${settings.server}`;
  }

  async present(task: ChallengeTask): Promise<void> {
    await this.update(task, (name, value) => `update add ${name} 60 TXT "${value}"`);
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    // Only this value goes: a wildcard and its base name share the record name with two values.
    await this.update(task, (name, value) => `update delete ${name} TXT "${value}"`);
  }

  private async update(task: ChallengeTask, command: (name: string, value: string) => string): Promise<void> {
    const name = dns01RecordName(task);
    if (!DNS_NAME.test(name)) throw new Error(`"${task.identifier.value}" is not a DNS name that dns-01 can validate`);
    if (!BASE64.test(task.value)) throw new Error('the dns-01 value is not base64url');
    const lines = [`server ${this.host} ${this.port}`];
    if (this.settings.tsigKeyName && this.settings.tsigSecret) {
      lines.push(`key ${(this.settings.tsigAlgorithm ?? 'hmac-sha256').toLowerCase()}:${this.settings.tsigKeyName} ${this.settings.tsigSecret}`);
    }
    lines.push(command(name, task.value), 'send', '');
    const secrets = this.settings.tsigSecret ? [this.settings.tsigSecret] : [];
    const result = await runCommand([this.options.nsupdatePath], { input: lines.join('\n'), timeoutMs: this.options.timeoutMs, env: childEnvironment(process.env, secrets), secrets });
    if (result.exitCode !== 0) throw new Error(`RFC 2136 update of ${name} at ${this.settings.server} failed: ${describeFailure('nsupdate', result, this.options.timeoutMs)}`);
  }
}

export function parseServer(server: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(server);
  if (bracketed) return checked(bracketed[1]!, bracketed[2], server);
  if (isIP(server) === 6) return { host: server, port: 53 };
  const [host, port, extra] = server.split(':');
  if (extra !== undefined || !host) throw new Error(`dns01.rfc2136.server "${server}" is not host, host:port or [IPv6]:port`);
  return checked(host, port, server);
}

function checked(host: string, port: string | undefined, server: string): { host: string; port: number } {
  const number = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(number) || number < 1 || number > 65535) throw new Error(`dns01.rfc2136.server "${server}" has no valid port`);
  if (isIP(host) === 0 && !DNS_NAME.test(host)) throw new Error(`dns01.rfc2136.server "${server}" is not a host name or address`);
  return { host, port: number };
}
