import { Resolver } from 'node:dns/promises';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './processes.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);

export interface Bind9Options {
  /** Path of named (from requireProgram). */
  named?: string;
  /** Path of tsig-keygen. */
  tsigKeygen?: string;
  /** The zone to serve, e.g. `certops.test`. */
  zone: string;
  /**
   * Names in the zone that get an A record for 127.0.0.1. Every name a test validates needs
   * one: a wildcard does not answer for a name with children, and `_acme-challenge.<name>`
   * gives `<name>` a child.
   */
  names: string[];
  /** TSIG key name allowed to update the zone. Default `certops-acme`. */
  keyName?: string;
}

export interface Bind9 {
  /** 127.0.0.1:<port>: for `pebble -dnsserver` and the RFC 2136 solver's `server`. */
  address: string;
  port: number;
  zone: string;
  keyName: string;
  keyAlgorithm: string;
  /** The key's base64 secret. */
  keySecret: string;
  /** The key in named.conf syntax (what `nsupdate -k` reads). */
  keyFile: string;
  /** TXT records of `name` as this server answers them now (each record's strings joined). */
  txt(name: string): Promise<string[]>;
  process: TestProcess;
  stop(): Promise<void>;
}

/** Starts an authoritative named for one zone that accepts TSIG-signed dynamic updates. */
export async function startBind9(options: Bind9Options): Promise<Bind9> {
  const dir = await mkdtemp(join(tmpdir(), 'certops-bind9-'));
  let proc: TestProcess | undefined;
  try {
    const keyName = options.keyName ?? 'certops-acme';
    const keyAlgorithm = 'hmac-sha256';
    const keyFile = join(dir, 'tsig.key');
    const { stdout: keyText } = await run(options.tsigKeygen ?? 'tsig-keygen', ['-a', keyAlgorithm, keyName]);
    await writeFile(keyFile, keyText, { mode: 0o600 });
    const keySecret = /secret\s+"([^"]+)"/.exec(keyText)?.[1];
    if (!keySecret) throw new Error(`tsig-keygen printed no secret: ${keyText}`);
    const port = await freePort();
    const zone = options.zone.replace(/\.$/, '');
    const zoneFile = join(dir, `${zone}.zone`);
    const records = options.names.map((name) => `${name.replace(/\.$/, '')}. 60 IN A 127.0.0.1`);
    await writeFile(zoneFile, [
      '$TTL 60',
      `@ IN SOA ns.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
      `@ IN NS ns.${zone}.`,
      `ns.${zone}. IN A 127.0.0.1`,
      ...records,
      '',
    ].join('\n'));
    const conf = join(dir, 'named.conf');
    await writeFile(conf, [
      `include "${keyFile}";`,
      'options {',
      `  directory "${dir}";`,
      `  pid-file "${join(dir, 'named.pid')}";`,
      `  session-keyfile "${join(dir, 'session.key')}";`,
      `  managed-keys-directory "${dir}";`,
      `  listen-on port ${port} { 127.0.0.1; };`,
      '  listen-on-v6 { none; };',
      '  recursion no;',
      '  dnssec-validation no;',
      '  allow-query { any; };',
      '  notify no;',
      '};',
      // No rndc control channel: it would bind port 953 and read /etc/bind/rndc.key.
      'controls { };',
      `zone "${zone}" {`,
      '  type primary;',
      `  file "${zoneFile}";`,
      `  journal "${zoneFile}.jnl";`,
      `  allow-update { key "${keyName}"; };`,
      '};',
      '',
    ].join('\n'));
    const started = startProcess(options.named ?? 'named', ['-c', conf, '-g', '-u', 'root', '-p', String(port)], { cwd: dir });
    proc = started;
    const resolver = new Resolver({ timeout: 500, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    await waitFor(async () => ((await resolver.resolveSoa(zone)).nsname ? true : undefined), {
      what: `named serving ${zone} on 127.0.0.1:${port}`,
      timeoutMs: 15_000,
      abortIf: () => started.exited() && `${started.exited()}\n${started.output()}`,
    });
    return {
      address: `127.0.0.1:${port}`,
      port,
      zone,
      keyName,
      keyAlgorithm,
      keySecret,
      keyFile,
      async txt(name) {
        try {
          return (await resolver.resolveTxt(name.replace(/\.$/, ''))).map((chunks) => chunks.join(''));
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code === 'ENODATA' || code === 'ENOTFOUND') return [];
          throw err;
        }
      },
      process: started,
      async stop() {
        await started.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await proc?.stop();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

