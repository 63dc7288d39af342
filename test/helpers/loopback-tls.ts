import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway CA and a server certificate for 127.0.0.1, ::1 and localhost, made with openssl. */
export interface LoopbackTls {
  /** The CA that signed the server certificate: what a client must trust. */
  caPem: string;
  caFile: string;
  certPem: string;
  certFile: string;
  keyPem: string;
  keyFile: string;
}

/**
 * Writes ca.pem, cert.pem and key.pem into `dir`. Test servers with HTTPS listeners (Pebble, the
 * ARI proxy) use them; Pebble's Debian package ships no certificate for its own listener.
 */
export async function createLoopbackTls(dir: string, openssl = 'openssl'): Promise<LoopbackTls> {
  const caKey = join(dir, 'ca.key');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'key.pem');
  const csrFile = join(dir, 'server.csr');
  const certFile = join(dir, 'cert.pem');
  const extFile = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await run(openssl, ['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '2', '-subj', '/CN=certops loopback test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await run(openssl, ['req', '-new', ...ec, '-keyout', keyFile, '-out', csrFile, '-subj', '/CN=localhost']);
  await writeFile(extFile, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
    '',
  ].join('\n'));
  await run(openssl, ['x509', '-req', '-in', csrFile, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extFile]);
  const [caPem, certPem, keyPem] = await Promise.all([readFile(caFile, 'utf8'), readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { caPem, caFile, certPem, certFile, keyPem, keyFile };
}
