// A small retry for plain fetch calls (cfssl and any other HTTP API without a client of its own).
// acme-client and octokit bring their own retries; this is for the rest.
import { setTimeout as delay } from 'node:timers/promises';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts?: number;
  /** Wait before the first retry; it doubles per retry. Default 250 ms. */
  minDelayMs?: number;
  /** Longest wait between attempts from backoff. Default 4000 ms. */
  maxDelayMs?: number;
  /** A server's Retry-After longer than this is not waited for: the error is thrown instead. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Whether an error is worth another attempt. Default: isTransientError. */
  retryable?: (error: unknown) => boolean;
  /** Told about each retry before its wait (for logs and counters). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Waits; a test passes one that resolves at once and records the delays. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1), so many runners retrying at once do not retry in step. */
  random?: () => number;
  /** Stops waiting and retrying. */
  signal?: AbortSignal;
}

/** An HTTP answer worth retrying (5xx, 429); carries the server's Retry-After when it sent one. */
export class RetryableHttpError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status} from ${url}`);
    this.name = 'RetryableHttpError';
  }
}

// Codes node (libuv and undici) gives to failures that a later attempt can get past.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The errno-style code of an error or of any error in its cause chain (fetch wraps them in TypeError). */
export function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Connection resets, refusals, DNS hiccups, per-attempt timeouts and RetryableHttpError. */
export function isTransientError(error: unknown): boolean {
  if (error instanceof RetryableHttpError) return true;
  if (error instanceof Error && error.name === 'TimeoutError') return true;
  const code = errorCode(error);
  return code !== undefined && TRANSIENT_CODES.has(code);
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Runs the operation until it succeeds, a non-retryable error is thrown, or attempts run out
 * (the last error is thrown as it is). Backoff is exponential with jitter; a Retry-After is
 * honoured when longer.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const minDelayMs = options.minDelayMs ?? 250;
  const maxDelayMs = options.maxDelayMs ?? 4000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const retryable = options.retryable ?? isTransientError;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : {}));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || options.signal?.aborted || !retryable(error)) throw error;
      const retryAfterMs = error instanceof RetryableHttpError ? error.retryAfterMs : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) throw error;
      const backoff = Math.min(maxDelayMs, minDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.max(Math.round(backoff * (0.5 + random() / 2)), retryAfterMs ?? 0);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

export interface FetchRetryOptions extends RetryOptions {
  /** Time allowed for one attempt (connect to end of headers). Default 30 s. */
  timeoutMs?: number;
  /**
   * Whether a response should be retried. Default: 429 and 5xx. It may read `response.clone()`.
   * The last attempt's response is returned whatever its status, for the caller to explain.
   */
  retryResponse?: (response: Response) => boolean | Promise<boolean>;
}

/**
 * fetch with retries of network failures and of retryable statuses. The request body must be
 * replayable (a string or bytes), as it is sent again on each attempt.
 */
export async function fetchWithRetry(url: string | URL, init: RequestInit = {}, options: FetchRetryOptions = {}): Promise<Response> {
  const attempts = Math.max(1, options.attempts ?? 4);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const retryResponse = options.retryResponse ?? ((r: Response) => r.status === 429 || r.status >= 500);
  return withRetry(async (attempt) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const response = await fetch(url, { ...init, signal });
    if (attempt < attempts && (await retryResponse(response))) {
      // Free the connection: an unread body keeps it busy until garbage collection.
      await response.body?.cancel().catch(() => undefined);
      throw new RetryableHttpError(response.status, String(url), parseRetryAfter(response.headers.get('retry-after')));
    }
    return response;
  }, { ...options, attempts });
}
