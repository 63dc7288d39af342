import { request } from 'node:http';
import { freePort } from './ports.js';
import { startProcess, type TestProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface ChallTestSrvOptions {
  /** Path of the pebble-challtestsrv program (from requireProgram). */
  program?: string;
  /** The A record every name gets. */
  defaultIPv4?: string;
}

/**
 * pebble-challtestsrv as a DNS server only: every name resolves to 127.0.0.1 (no AAAA), and TXT
 * records for dns-01 are set through its management API. Its own http-01/tls-alpn-01 responders
 * are off, so the code under test answers those challenges itself.
 */
export interface ChallTestSrv {
  /** 127.0.0.1:<port>: give it to `pebble -dnsserver`. */
  dnsAddress: string;
  /** http://127.0.0.1:<port> of the management API. */
  managementUrl: string;
  setTxt(host: string, value: string): Promise<void>;
  clearTxt(host: string): Promise<void>;
  process: TestProcess;
  stop(): Promise<void>;
}

export async function startChallTestSrv(options: ChallTestSrvOptions = {}): Promise<ChallTestSrv> {
  const [dnsPort, managementPort] = await Promise.all([freePort(), freePort()]);
  const dnsAddress = `127.0.0.1:${dnsPort}`;
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  const proc = startProcess(options.program ?? 'pebble-challtestsrv', [
    '-defaultIPv4', options.defaultIPv4 ?? '127.0.0.1',
    '-defaultIPv6', '',
    '-dns01', dnsAddress,
    '-http01', '',
    '-https01', '',
    '-tlsalpn01', '',
    '-management', `127.0.0.1:${managementPort}`,
  ]);
  try {
    // Any answer from the management API means the process is up; the DNS listener starts first.
    await waitFor(async () => ((await postJson(`${managementUrl}/clear-txt`, { host: 'ready.check.' })) > 0 ? true : undefined), {
      what: `pebble-challtestsrv at ${managementUrl}`,
      timeoutMs: 10_000,
      abortIf: () => proc.exited() && `${proc.exited()}\n${proc.output()}`,
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const expectOk = async (path: string, body: unknown): Promise<void> => {
    const status = await postJson(`${managementUrl}${path}`, body);
    if (status !== 200) throw new Error(`pebble-challtestsrv ${path} answered ${status}`);
  };
  return {
    dnsAddress,
    managementUrl,
    setTxt: (host, value) => expectOk('/set-txt', { host: fqdn(host), value }),
    clearTxt: (host) => expectOk('/clear-txt', { host: fqdn(host) }),
    process: proc,
    stop: () => proc.stop(),
  };
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/** POSTs JSON and resolves with the status code. */
export function postJson(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
