// How certops' ACME traffic reaches the CA: its TLS trust, its retries, and errors a person can
// act on. acme-client sends every request through one shared axios instance (`acme.axios`),
// so per-issuer settings ride on an AsyncLocalStorage context: an issuer runs its acme-client
// calls inside `transport.run()`, and one request interceptor gives each request the agent and
// adapter of the issuer whose context it runs in. Requests outside any context (another
// library's use of acme-client) are left as acme-client makes them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createSecureContext, rootCertificates } from 'node:tls';
import acme from 'acme-client';
import axios, { type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { RetryableHttpError, errorCode, isTransientError, parseRetryAfter, withRetry } from '../../net/retry.js';
import { describeConnectionError } from './connection-errors.js';
import type { AcmeLogger } from './options.js';

export interface AcmeTransportOptions {
  /** The issuer's name in certificates.yaml, for messages. */
  issuerName: string;
  directoryUrl: string;
  /**
   * PEM CA certificates to trust for the CA's HTTPS, on top of the system and bundled roots and
   * NODE_EXTRA_CA_CERTS. Empty: Node's default trust.
   */
  extraCaPem?: string[];
  /** Tries per HTTP request for transient failures (resets, 5xx, 429). Default 5. */
  attempts?: number;
  /** First backoff pause; doubles per try. Default 200 ms. */
  minDelayMs?: number;
  /** Longest backoff pause. Default 5 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this ends the retries (the failure is reported instead). Default 60 s. */
  maxRetryAfterMs?: number;
  /** Time allowed for one HTTP exchange. Default 30 s. */
  requestTimeoutMs?: number;
  log: AcmeLogger;
}

/** A plain HTTP answer: what certops reads itself (the directory, ARI). */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const contexts = new AsyncLocalStorage<AcmeTransport>();
let interceptorInstalled = false;

// acme-client makes its own axios instance, so `axios.getAdapter` from the same package is the
// supported way to reach the stock Node http adapter we wrap.
const httpAdapter: AxiosAdapter = axios.getAdapter('http');

function installInterceptor(): void {
  if (interceptorInstalled) return;
  interceptorInstalled = true;
  acme.axios.interceptors.request.use((config) => {
    const transport = contexts.getStore();
    if (!transport) return config;
    config.httpsAgent = transport.agent;
    config.timeout = transport.requestTimeoutMs;
    config.adapter = transport.adapter;
    return config;
  });
}

export class AcmeTransport {
  readonly agent: Agent;
  readonly requestTimeoutMs: number;
  readonly adapter: AxiosAdapter;
  readonly #options: AcmeTransportOptions;
  readonly #nonces = new NoncePool();

  constructor(options: AcmeTransportOptions) {
    this.#options = options;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    const extra = options.extraCaPem ?? [];
    // `ca` replaces Node's trust store, so the defaults are put back next to the extra CAs. One
    // secure context for all connections: given as `ca`, the ~140 roots would be parsed again
    // for every new connection (about 50 ms each).
    const secureContext = extra.length > 0 ? createSecureContext({ ca: [...defaultTrust(), ...extra] }) : undefined;
    this.agent = new Agent({ keepAlive: true, noDelay: true, ...(secureContext ? { secureContext } : {}) });
    this.adapter = (config) => this.#send(config);
    installInterceptor();
  }

  /** Runs `operation` so that every acme-client request it makes goes through this transport. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    return contexts.run(this, operation);
  }

  /** A GET that certops makes itself (directory, renewalInfo), with the same trust and retries. */
  async get(url: string): Promise<HttpAnswer> {
    let last: HttpAnswer | undefined;
    try {
      return await withRetry(async (attempt) => {
        const answer = await this.#plainGet(url);
        last = answer;
        if (attempt < this.#attempts && isTransientStatus(answer.status)) {
          throw new RetryableHttpError(answer.status, url, parseRetryAfter(header(answer.headers, 'retry-after')));
        }
        return answer;
      }, this.#retryOptions(url));
    } catch (error) {
      if (error instanceof RetryableHttpError && last) return last;
      throw this.#connectionError(error, url);
    }
  }

  /** Frees the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  get #attempts(): number {
    return this.#options.attempts ?? 5;
  }

  #retryOptions(url: string) {
    return {
      attempts: this.#attempts,
      minDelayMs: this.#options.minDelayMs ?? 200,
      maxDelayMs: this.#options.maxDelayMs ?? 5_000,
      maxRetryAfterMs: this.#options.maxRetryAfterMs ?? 60_000,
      retryable: (error: unknown) => error instanceof RetryableHttpError || isTransientError(error),
      onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: unknown }) =>
        this.#options.log({ level: 'info', message: `${this.#options.issuerName}: ${describeBriefly(error)} from ${url}; try ${attempt + 1} of ${this.#attempts} in ${delayMs} ms` }),
    };
  }

  /**
   * The axios adapter for acme-client's requests.
   *
   * Statuses: acme-client marks every status as an error and reads the status itself, so an
   * HTTP answer is handed back as a resolved response; transient ones (429, 5xx) are first
   * retried here, honouring Retry-After up to a bound. acme-client's own retry (5 tries 5-25 s
   * apart, Retry-After without bound) never sees an error from us: a network failure is thrown
   * as a plain Error, which its interceptor passes through instead of turning it into
   * "Cannot read properties of undefined (reading 'config')".
   *
   * Nonces: every ACME response carries a fresh one (RFC 8555 section 7.2), which acme-client
   * drops, asking newNonce again before its next request. Answering that HEAD from a pool saves
   * a round trip per request (and, with Pebble, a TLS handshake: it closes the connection after
   * a HEAD).
   */
  async #send(config: InternalAxiosRequestConfig): Promise<AxiosResponse> {
    const url = config.url ?? '(unknown URL)';
    // acme-client sends HEAD only to newNonce, before every signed request.
    if (config.method?.toLowerCase() === 'head') {
      const nonce = this.#nonces.take();
      if (nonce) return { data: '', status: 200, statusText: 'OK', headers: { 'replay-nonce': nonce }, config };
    }
    const response = await this.#sendWithRetry(config, url);
    // A 400 may be badNonce, whose fresh nonce acme-client uses itself; pooling it too would spend it twice.
    const nonce = header(response.headers as IncomingHttpHeaders, 'replay-nonce');
    if (nonce && response.status !== 400 && config.method?.toLowerCase() !== 'head') this.#nonces.add(nonce);
    return response;
  }

  async #sendWithRetry(config: InternalAxiosRequestConfig, url: string): Promise<AxiosResponse> {
    let last: AxiosResponse | undefined;
    try {
      return await withRetry(async (attempt) => {
        let response: AxiosResponse;
        try {
          response = await httpAdapter(config);
        } catch (error) {
          const answered = (error as { response?: AxiosResponse }).response;
          if (!answered) throw error;
          response = answered;
        }
        last = response;
        if (attempt < this.#attempts && isTransientStatus(response.status)) {
          throw new RetryableHttpError(response.status, url, parseRetryAfter(header(response.headers as IncomingHttpHeaders, 'retry-after')));
        }
        return response;
      }, this.#retryOptions(url));
    } catch (error) {
      if (error instanceof RetryableHttpError && last) return last;
      throw this.#connectionError(error, url);
    }
  }

  #connectionError(error: unknown, url: string): Error {
    return new Error(describeConnectionError(error, { url, directoryUrl: this.#options.directoryUrl, issuerName: this.#options.issuerName }), { cause: error });
  }

  #plainGet(url: string): Promise<HttpAnswer> {
    const secure = url.startsWith('https:');
    return new Promise((resolve, reject) => {
      const options = { method: 'GET', timeout: this.requestTimeoutMs, headers: { 'user-agent': 'certops' }, ...(secure ? { agent: this.agent } : {}) };
      const req = (secure ? httpsRequest : httpRequest)(url, options, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.requestTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end();
    });
  }
}

function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

function header(headers: IncomingHttpHeaders | Record<string, unknown>, name: string): string | undefined {
  const value = (headers as Record<string, unknown>)[name];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function describeBriefly(error: unknown): string {
  if (error instanceof RetryableHttpError) return `HTTP ${error.status}`;
  return errorCode(error) ?? (error instanceof Error ? error.message : String(error));
}

/** Node's default roots: the bundled store plus NODE_EXTRA_CA_CERTS, which `ca` would drop. */
function defaultTrust(): string[] {
  const roots = [...rootCertificates];
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      roots.push(readFileSync(extraFile, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same by ignoring it.
    }
  }
  return roots;
}

/**
 * Nonces from earlier responses, newest first. A nonce left unused too long may have expired on
 * the server; that costs one badNonce round trip, which acme-client retries with a fresh nonce.
 */
class NoncePool {
  readonly #entries: { nonce: string; at: number }[] = [];
  static readonly MAX_AGE_MS = 30_000;
  static readonly MAX_SIZE = 16;

  add(nonce: string): void {
    this.#entries.push({ nonce, at: Date.now() });
    if (this.#entries.length > NoncePool.MAX_SIZE) this.#entries.shift();
  }

  take(): string | undefined {
    const now = Date.now();
    for (let entry = this.#entries.pop(); entry; entry = this.#entries.pop()) {
      if (now - entry.at < NoncePool.MAX_AGE_MS) return entry.nonce;
    }
    return undefined;
  }
}
