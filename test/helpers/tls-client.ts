import { createHash } from 'node:crypto';
import { connect } from 'node:tls';

/** SHA-256 (hex) of the leaf a TLS server presents for `servername`. */
export function servedLeafSha256(port: number, servername: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.destroy();
      resolve(createHash('sha256').update(raw).digest('hex'));
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('handshake timed out')));
    socket.once('error', reject);
  });
}

export interface HandshakeLoop {
  /** Ends the loop after the handshake in flight and returns the counts. */
  stop(): Promise<{ handshakes: number; failures: number; errors: string[]; leaves: Set<string> }>;
}

/**
 * Makes TLS handshakes one after another until stopped: a client that would notice a reload
 * dropping connections. Bounded by the caller's stop(); each handshake has its own timeout.
 */
export function handshakeLoop(port: number, servername: string): HandshakeLoop {
  let running = true;
  let handshakes = 0;
  let failures = 0;
  const errors: string[] = [];
  const leaves = new Set<string>();
  const loop = (async () => {
    while (running) {
      try {
        leaves.add(await servedLeafSha256(port, servername));
        handshakes++;
      } catch (err) {
        failures++;
        if (errors.length < 10) errors.push((err as Error).message);
      }
      // Let the deploy's own I/O in between handshakes.
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { handshakes, failures, errors, leaves };
    },
  };
}
