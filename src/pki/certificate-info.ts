import { createHash, X509Certificate } from 'node:crypto';
import { parsePem } from './pem.js';

/** What lint, plan and reports need to know about one certificate, read with node:crypto. */
export interface CertificateInfo {
  /** Lower-case hex without separators or leading zero padding beyond one byte. */
  serial: string;
  /** SHA-256 of the DER, lower-case hex. */
  sha256: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo. */
  spkiSha256: string;
  notBefore: Date;
  notAfter: Date;
  subject: string;
  issuerDN: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emailAddresses: string[];
  key: { algorithm: 'RSA' | 'ECDSA' | 'Ed25519' | 'other'; size: number };
  isCA: boolean;
  x509: X509Certificate;
}

/** Reads a PEM file of leaf + chain. Throws an Error with a clear message when it is not one. */
export function readCertificateChain(pemText: string): X509Certificate[] {
  const blocks = parsePem(pemText).filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new Error('holds no PEM CERTIFICATE block');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b.der);
    } catch (err) {
      throw new Error(`certificate ${i + 1} in the file does not parse: ${(err as Error).message}`);
    }
  });
}

export function describeCertificate(x509: X509Certificate): CertificateInfo {
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
  const key = keyKind(x509.publicKey.asymmetricKeyType, x509.publicKey.asymmetricKeyDetails ?? {});
  const san = parseSubjectAltName(x509.subjectAltName ?? '');
  return {
    serial: normalizeSerial(x509.serialNumber),
    sha256: createHash('sha256').update(x509.raw).digest('hex'),
    spkiSha256: createHash('sha256').update(spki).digest('base64'),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    subject: x509.subject,
    issuerDN: x509.issuer,
    ...san,
    key,
    isCA: x509.ca,
    x509,
  };
}

/** A distinguished name as node:crypto gives it (one attribute a line), on one line. */
export function oneLineDn(dn: string): string {
  return dn.split('\n').join(', ');
}

/** A public key's algorithm and size in certificates.yaml's terms, from what node:crypto reports of it. */
export function keyKind(type: string | undefined, details: { namedCurve?: string | undefined; modulusLength?: number | undefined }): CertificateInfo['key'] {
  if (type === 'rsa' || type === 'rsa-pss') return { algorithm: 'RSA', size: details.modulusLength ?? 0 };
  if (type === 'ec') return { algorithm: 'ECDSA', size: curveSize(details.namedCurve) };
  if (type === 'ed25519') return { algorithm: 'Ed25519', size: 0 };
  return { algorithm: 'other', size: 0 };
}

/** Serial as lower-case hex with no separators and no leading zeros. */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/[:\s]/g, '').toLowerCase().replace(/^0+(?=.)/, '');
  return hex;
}

function curveSize(curve: string | undefined): number {
  switch (curve) {
    case 'prime256v1':
    case 'P-256':
      return 256;
    case 'secp384r1':
    case 'P-384':
      return 384;
    case 'secp521r1':
    case 'P-521':
      return 521;
    default:
      return 0;
  }
}

/** node's subjectAltName is `DNS:a, IP Address:1.2.3.4, URI:...`; values can be quoted when they hold commas. */
export function parseSubjectAltName(text: string): Pick<CertificateInfo, 'dnsNames' | 'ipAddresses' | 'uris' | 'emailAddresses'> {
  const out = { dnsNames: [] as string[], ipAddresses: [] as string[], uris: [] as string[], emailAddresses: [] as string[] };
  for (const m of text.matchAll(/(DNS|IP Address|URI|email):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g)) {
    let value = m[2]!;
    if (value.startsWith('"')) value = JSON.parse(value) as string;
    if (m[1] === 'DNS') out.dnsNames.push(value);
    else if (m[1] === 'IP Address') out.ipAddresses.push(value);
    else if (m[1] === 'URI') out.uris.push(value);
    else out.emailAddresses.push(value);
  }
  return out;
}
