import { request } from 'node:https';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoopbackTls, type LoopbackTls } from './loopback-tls.js';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface PebbleOptions {
  /** Path of the pebble program (from requireProgram). */
  program?: string;
  /** host:port of the DNS server Pebble's VA resolves through (challtestsrv or bind9). */
  dnsServer?: string;
  /** PEBBLE_WFE_NONCEREJECT: percentage of good nonces rejected as bad. Default 0 (Pebble's own default is 5). */
  nonceRejectPercent?: number;
  /** PEBBLE_VA_ALWAYS_VALID=1: every challenge passes without being checked. */
  alwaysValid?: boolean;
  /** PEBBLE_AUTHZREUSE: percentage of valid authorizations reused. Default 0, so every order validates. */
  authzReusePercent?: number;
  /** Lifetime of issued certificates, seconds. */
  certificateValidityPeriod?: number;
  /** When given, Pebble requires External Account Binding with these kid -> base64url HMAC keys. */
  externalAccountMacKeys?: Record<string, string>;
  /** A TLS identity to reuse (saves the openssl runs when one test file starts several servers). */
  tls?: LoopbackTls;
}

export interface Pebble {
  directoryUrl: string;
  /** https://127.0.0.1:<port> of the management interface (roots, intermediates). */
  managementUrl: string;
  /** Where Pebble's VA fetches http-01 challenges: an http-01 listener must be on this port. */
  httpPort: number;
  tlsPort: number;
  /** The CA of Pebble's own HTTPS listener (not of the certificates it issues): trust it to talk to Pebble. */
  tls: LoopbackTls;
  /** The root that Pebble's issued chains lead to (regenerated on every start). */
  rootPem: string;
  /** The intermediate that signs Pebble's leaves (also sent in each issued chain). */
  intermediatePem: string;
  process: TestProcess;
  stop(): Promise<void>;
}

/** Starts Pebble on free loopback ports and returns once its directory answers. */
export async function startPebble(options: PebbleOptions = {}): Promise<Pebble> {
  const dir = await mkdtemp(join(tmpdir(), 'certops-pebble-'));
  let proc: TestProcess | undefined;
  try {
    const tls = options.tls ?? await createLoopbackTls(dir);
    const [port, managementPort, httpPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const eab = options.externalAccountMacKeys;
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: tls.certFile,
        privateKey: tls.keyFile,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: eab !== undefined,
        ...(eab ? { externalAccountMACKeys: eab } : {}),
        ...(options.certificateValidityPeriod ? { certificateValidityPeriod: options.certificateValidityPeriod } : {}),
      },
    };
    const configFile = join(dir, 'pebble-config.json');
    await writeFile(configFile, JSON.stringify(config, null, 2));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PEBBLE_VA_NOSLEEP: '1',
      PEBBLE_WFE_NONCEREJECT: String(options.nonceRejectPercent ?? 0),
      PEBBLE_AUTHZREUSE: String(options.authzReusePercent ?? 0),
    };
    if (options.alwaysValid) env.PEBBLE_VA_ALWAYS_VALID = '1';
    const args = ['-config', configFile];
    if (options.dnsServer) args.push('-dnsserver', options.dnsServer);
    const started = startProcess(options.program ?? 'pebble', args, { cwd: dir, env });
    proc = started;
    const directoryUrl = `https://127.0.0.1:${port}/dir`;
    const managementUrl = `https://127.0.0.1:${managementPort}`;
    await waitFor(async () => ((await httpsGet(directoryUrl, tls.caPem)).status === 200 ? true : undefined), {
      what: `Pebble's directory at ${directoryUrl}`,
      timeoutMs: 15_000,
      abortIf: () => started.exited() && `${started.exited()}\n${started.output()}`,
    });
    const [root, intermediate] = await Promise.all([httpsGet(`${managementUrl}/roots/0`, tls.caPem), httpsGet(`${managementUrl}/intermediates/0`, tls.caPem)]);
    if (root.status !== 200 || intermediate.status !== 200) {
      throw new Error(`Pebble's management API answered ${root.status} for /roots/0 and ${intermediate.status} for /intermediates/0`);
    }
    return {
      directoryUrl,
      managementUrl,
      httpPort,
      tlsPort,
      tls,
      rootPem: root.body,
      intermediatePem: intermediate.body,
      process: started,
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

/** GET over HTTPS trusting only `caPem`; the body as text. */
export function httpsGet(url: string, caPem: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: caPem, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
