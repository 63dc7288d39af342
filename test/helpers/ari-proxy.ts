import { createServer, request, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoopbackTls } from './loopback-tls.js';

/**
 * An HTTPS proxy in front of Pebble that adds what Pebble 2.4 lacks: RFC 9773 renewal
 * information (and, optionally, ACME profiles in the directory's meta). Every other request
 * reaches Pebble unchanged, Host header included: Pebble builds every URL it returns (directory
 * entries, Location, order, authorization, finalize and certificate URLs) from the request's
 * Host, so the client keeps talking through the proxy without any rewriting of bodies, and the
 * `url` each JWS is signed for is the one Pebble checks it against.
 *
 * It also records what clients send (newOrder payloads, renewalInfo lookups) and can inject
 * faults (5xx, 429 with Retry-After, connection resets) to test a client's retries.
 */
export interface AriProxyOptions {
  /** Pebble's directory URL (https://127.0.0.1:<port>/dir). */
  pebbleDirectoryUrl: string;
  /** The CA of Pebble's HTTPS listener, to trust when forwarding. */
  pebbleCaPem: string;
  /** The proxy's own TLS identity (the loopback CA is then also what clients trust). */
  tls: LoopbackTls;
  /** The answer to GET renewalInfo/<certId>. Default: a window from now + 1 day to now + 2 days. */
  renewalInfo?: (certId: string) => RenewalInfoAnswer;
  /** Added to the directory as meta.profiles when given. */
  profiles?: Record<string, string>;
}

export interface RenewalInfoAnswer {
  status?: number;
  body?: unknown;
  /** Retry-After header value. */
  retryAfter?: string;
}

/** What to do instead of forwarding one request. */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; problem?: { type: string; detail: string } }
  | { kind: 'reset' };

export interface RecordedRequest {
  method: string;
  path: string;
  /** The decoded JWS payload of a POST (undefined for POST-as-GET and GETs). */
  payload?: unknown;
  /** Set when a fault was injected instead of forwarding. */
  fault?: Fault['kind'];
}

export interface AriProxy {
  directoryUrl: string;
  /** Base of renewalInfo URLs, as announced in the directory. */
  renewalInfoUrl: string;
  requests: RecordedRequest[];
  /** Payloads of newOrder requests that reached Pebble or were faulted, in order. */
  newOrders(): Record<string, unknown>[];
  /** The next `count` requests whose path starts with `pathPrefix` get `fault` instead of Pebble. */
  injectFault(pathPrefix: string, fault: Fault, count?: number): void;
  setRenewalInfo(answer: (certId: string) => RenewalInfoAnswer): void;
  stop(): Promise<void>;
}

const RENEWAL_INFO_PATH = '/renewal-info';

export async function startAriProxy(options: AriProxyOptions): Promise<AriProxy> {
  const pebble = new URL(options.pebbleDirectoryUrl);
  const requests: RecordedRequest[] = [];
  const faults: { prefix: string; fault: Fault; left: number }[] = [];
  let renewalInfo = options.renewalInfo ?? defaultRenewalInfo;
  let newOrderPath = '/order-plz';

  const server: Server = createServer({ cert: options.tls.certPem, key: options.tls.keyPem }, (req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`ari-proxy: ${(err as Error).message}\n`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = req.url ?? '/';
    const record: RecordedRequest = { method: req.method ?? 'GET', path, ...(req.method === 'POST' ? { payload: jwsPayload(body) } : {}) };
    requests.push(record);
    const fault = takeFault(path);
    if (fault) {
      record.fault = fault.kind;
      if (fault.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      // Pebble would have consumed the nonce of a request it answered; a fresh one keeps the client going.
      res.writeHead(fault.status, headers).end(JSON.stringify(fault.problem ?? { type: 'urn:ietf:params:acme:error:serverInternal', detail: `injected ${fault.status}` }));
      return;
    }
    if (req.method === 'GET' && path.startsWith(`${RENEWAL_INFO_PATH}/`)) {
      const answer = renewalInfo(decodeURIComponent(path.slice(RENEWAL_INFO_PATH.length + 1)));
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.retryAfter !== undefined) headers['retry-after'] = answer.retryAfter;
      res.writeHead(answer.status ?? 200, headers).end(JSON.stringify(answer.body ?? {}));
      return;
    }
    const upstream = await forward(req, body);
    if (req.method === 'GET' && path === pebble.pathname) {
      const directory = JSON.parse(upstream.body.toString('utf8')) as Record<string, unknown> & { meta?: Record<string, unknown> };
      directory.renewalInfo = `https://${req.headers.host}${RENEWAL_INFO_PATH}`;
      if (options.profiles) directory.meta = { ...directory.meta, profiles: options.profiles };
      if (typeof directory.newOrder === 'string') newOrderPath = new URL(directory.newOrder).pathname;
      const text = JSON.stringify(directory);
      res.writeHead(upstream.status, { ...upstream.headers, 'content-length': String(Buffer.byteLength(text)) }).end(text);
      return;
    }
    res.writeHead(upstream.status, upstream.headers).end(upstream.body);
  }

  function takeFault(path: string): Fault | undefined {
    const entry = faults.find((f) => f.left > 0 && path.startsWith(f.prefix));
    if (!entry) return undefined;
    entry.left--;
    return entry.fault;
  }

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers.connection;
      const upstream = request({
        host: pebble.hostname,
        port: pebble.port,
        method: req.method,
        path: req.url,
        headers,
        ca: options.pebbleCaPem,
        servername: 'localhost',
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const responseHeaders = { ...res.headers };
          delete responseHeaders.connection;
          delete responseHeaders['transfer-encoding'];
          const all = Buffer.concat(chunks);
          responseHeaders['content-length'] = String(all.length);
          resolve({ status: res.statusCode ?? 502, headers: responseHeaders, body: all });
        });
        res.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    directoryUrl: `${origin}${pebble.pathname}`,
    renewalInfoUrl: `${origin}${RENEWAL_INFO_PATH}`,
    requests,
    newOrders: () => requests.filter((r) => r.method === 'POST' && r.path === newOrderPath && r.payload !== undefined).map((r) => r.payload as Record<string, unknown>),
    injectFault(pathPrefix, fault, count = 1) {
      faults.push({ prefix: pathPrefix, fault, left: count });
    },
    setRenewalInfo(answer) {
      renewalInfo = answer;
    },
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function defaultRenewalInfo(): RenewalInfoAnswer {
  const day = 24 * 60 * 60 * 1000;
  const now = Date.now();
  return { body: { suggestedWindow: { start: new Date(now + day).toISOString(), end: new Date(now + 2 * day).toISOString() } } };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The payload of a flattened JWS (RFC 7515 section 7.2.2), decoded; undefined for an empty one (POST-as-GET). */
export function jwsPayload(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    const jws = JSON.parse(body.toString('utf8')) as { payload?: unknown };
    if (typeof jws.payload !== 'string' || jws.payload === '') return undefined;
    return JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
