import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`: the kernel picks it for a listener on port 0,
 * which is then closed. Another process could take it before the caller binds it; on a test
 * machine that race is rare enough, and the caller's bind error names the port if it happens.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error(`could not read the port of a listener on ${host}`);
  return address.port;
}
