import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';

/** A `verify` address: `host:port`, `[v6]:port`, or a bare host (port 443). */
export interface TlsAddress {
  host: string;
  port: number;
  /** As written, for messages. */
  text: string;
}

export function parseAddress(text: string): TlsAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  let host: string;
  let port: string | undefined;
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2];
  } else if (isIP(text) === 6) {
    host = text;
  } else {
    const i = text.lastIndexOf(':');
    host = i < 0 ? text : text.slice(0, i);
    port = i < 0 ? undefined : text.slice(i + 1);
  }
  const portNumber = port === undefined ? 443 : Number(port);
  if (host === '' || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535 || (port !== undefined && !/^\d+$/.test(port))) {
    throw new Error(`verify address "${text}" is not host:port (e.g. 127.0.0.1:443, [::1]:443 or www.example.com)`);
  }
  return { host, port: portNumber, text };
}

export interface ServedCertificate {
  sha256: string;
  x509: X509Certificate;
}

/**
 * What a server presents: the leaf, then the issuers node found for it in what the server sent,
 * in issuing order. (node orders the sent certificates by issuer and may add the root from its
 * trust store at the end; a missing intermediate ends the list early, which is what shows an
 * incomplete chain.)
 */
export interface ServedChain {
  address: string;
  certificates: ServedCertificate[];
  protocol: string | null;
}

/**
 * One TLS handshake, accepting any certificate: verification compares what is served with what
 * was deployed, which is stronger than trust in some CA and works for private CAs too.
 */
export function probeTls(address: TlsAddress, serverName: string | undefined, timeoutMs: number): Promise<ServedChain> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: address.host,
      port: address.port,
      ...(serverName !== undefined ? { servername: serverName } : {}),
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => socket.destroy(new Error(`no TLS handshake within ${timeoutMs} ms`)), timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      try {
        const chain = walk(socket.getPeerCertificate(true));
        resolve({ address: address.text, certificates: chain, protocol: socket.getProtocol() });
      } catch (err) {
        reject(err);
      } finally {
        socket.destroy();
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

function walk(peer: DetailedPeerCertificate): ServedCertificate[] {
  const out: ServedCertificate[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw; cert = cert.issuerCertificate) {
    const sha256 = createHash('sha256').update(cert.raw).digest('hex');
    // A self-signed root is its own issuerCertificate.
    if (seen.has(sha256)) break;
    seen.add(sha256);
    out.push({ sha256, x509: new X509Certificate(cert.raw) });
  }
  if (out.length === 0) throw new Error('the server sent no certificate');
  return out;
}
