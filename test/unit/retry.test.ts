import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { errorCode, fetchWithRetry, isTransientError, parseRetryAfter, RetryableHttpError, withRetry } from '../../src/net/retry.js';

/** A sleep that does not wait, and remembers what it was asked to wait. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

const reset = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });

test('withRetry retries transient errors with growing, jittered delays, then succeeds', async () => {
  const { sleep, delays } = recordingSleep();
  let calls = 0;
  const result = await withRetry(
    async (attempt) => {
      calls++;
      if (attempt < 3) throw reset();
      return 'ok';
    },
    { sleep, random: () => 0.999, minDelayMs: 100 },
  );
  assert.equal(result, 'ok');
  assert.equal(calls, 3);
  assert.deepEqual(delays, [100, 200]);
});

test('withRetry gives up after `attempts` and throws the last error as it is', async () => {
  const { sleep, delays } = recordingSleep();
  let calls = 0;
  const err = reset();
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw err;
    }, { attempts: 3, sleep }),
    (e) => e === err,
  );
  assert.equal(calls, 3);
  assert.equal(delays.length, 2);
});

test('withRetry does not retry what is not transient', async () => {
  const { sleep, delays } = recordingSleep();
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      throw new Error('400 bad request');
    }, { sleep }),
    /400/,
  );
  assert.equal(calls, 1);
  assert.deepEqual(delays, []);
});

test('Retry-After is honoured when longer than the backoff, and not waited for when too long', async () => {
  const { sleep, delays } = recordingSleep();
  let calls = 0;
  await withRetry(
    async () => {
      if (++calls === 1) throw new RetryableHttpError(429, 'http://x', 3000);
      return 'ok';
    },
    { sleep, random: () => 0 },
  );
  assert.deepEqual(delays, [3000]);
  await assert.rejects(withRetry(async () => {
    throw new RetryableHttpError(429, 'http://x', 3_600_000);
  }, { sleep }), RetryableHttpError);
  assert.equal(parseRetryAfter('120'), 120_000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(null), undefined);
});

test('errorCode finds the code in fetch cause chains; isTransientError classifies', () => {
  assert.equal(errorCode(reset()), 'ECONNRESET');
  assert.ok(isTransientError(reset()));
  assert.ok(isTransientError(Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' })));
  assert.ok(isTransientError(new DOMException('timed out', 'TimeoutError')));
  assert.ok(!isTransientError(new DOMException('aborted', 'AbortError')));
  assert.ok(!isTransientError(new Error('plain')));
  assert.ok(!isTransientError(Object.assign(new Error('x'), { code: 'ENOENT' })));
});

test('an aborted signal stops retrying at once', async () => {
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    withRetry(async () => {
      calls++;
      controller.abort();
      throw reset();
    }, { signal: controller.signal, sleep: async () => undefined }),
  );
  assert.equal(calls, 1);
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

test('fetchWithRetry: a reset connection and a 503 are retried; the body is sent each time', async (t) => {
  const bodies: string[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      n++;
      if (n === 1) return req.socket.destroy();
      if (n === 2) return res.writeHead(503, { 'retry-after': '0' }).end('busy');
      res.writeHead(200, { 'content-type': 'text/plain' }).end('done');
    });
  });
  const url = await listen(server);
  t.after(() => server.close());
  const { sleep, delays } = recordingSleep();
  const res = await fetchWithRetry(url, { method: 'POST', body: 'payload' }, { sleep });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'done');
  assert.deepEqual(bodies, ['payload', 'payload', 'payload']);
  assert.equal(delays.length, 2);
});

test('fetchWithRetry returns the last response when every attempt fails with a status', async (t) => {
  let n = 0;
  const server = createServer((_req, res) => {
    n++;
    res.writeHead(502).end(`bad gateway ${n}`);
  });
  const url = await listen(server);
  t.after(() => server.close());
  const res = await fetchWithRetry(url, {}, { attempts: 3, sleep: async () => undefined });
  assert.equal(res.status, 502);
  assert.equal(await res.text(), 'bad gateway 3');
  assert.equal(n, 3);
});

test('fetchWithRetry: a refused connection is retried, then reported with its code', async () => {
  const server = createServer();
  const url = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  const { sleep, delays } = recordingSleep();
  await assert.rejects(fetchWithRetry(url, {}, { attempts: 2, sleep }), (err) => errorCode(err) === 'ECONNREFUSED');
  assert.equal(delays.length, 1);
});
