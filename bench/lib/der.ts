// Just enough DER to mint X.509 certificates for benchmark repositories. Signing goes through
// node:crypto (native), which makes 10,000 certificates a matter of seconds; @peculiar/x509
// builds each certificate in JavaScript and manages ~450 per second here.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, ...parts);
const set = (...parts: Buffer[]) => tlv(0x31, ...parts);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0 byte when the top bit is set. */
function unsigned(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = bytes.subarray(i);
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const n of rest) {
    const chunk = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 requires. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

export interface DistinguishedName {
  commonName: string;
  organization?: string;
}

function name(dn: DistinguishedName): Buffer {
  const rdns = [];
  if (dn.organization) rdns.push(set(seq(oid(OID.organization), tlv(0x0c, Buffer.from(dn.organization)))));
  rdns.push(set(seq(oid(OID.commonName), tlv(0x0c, Buffer.from(dn.commonName)))));
  return seq(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** Any stable identifier serves (RFC 5280 4.2.1.2); what matters is that an AKI equals its issuer's SKI. */
function keyId(spkiDer: Buffer): Buffer {
  return createHash('sha1').update(spkiDer).digest();
}

export interface CertificateTemplate {
  serial: Buffer;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** SubjectPublicKeyInfo DER of the certified key. */
  publicKey: Buffer;
  /** SubjectPublicKeyInfo DER of the signer, for the authority key identifier. */
  issuerPublicKey: Buffer;
  /** ECDSA P-256 private key of the issuer: every certificate here is signed ecdsa-with-SHA256. */
  signingKey: KeyObject;
  ca?: { pathLength?: number };
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Leaf keys that can encipher (RSA) get keyEncipherment as well. */
  keyEncipherment?: boolean;
}

/** A signed certificate, DER. */
export function makeCertificate(t: CertificateTemplate): Buffer {
  const extensions: Buffer[] = [];
  if (t.ca) {
    const constraints = [bool(true)];
    if (t.ca.pathLength !== undefined) constraints.push(unsigned(Buffer.from([t.ca.pathLength])));
    extensions.push(extension(OID.basicConstraints, true, seq(...constraints)));
    // keyCertSign (bit 5) and cRLSign (bit 6).
    extensions.push(extension(OID.keyUsage, true, bits(Buffer.from([0x06]), 1)));
  } else {
    extensions.push(extension(OID.basicConstraints, true, seq()));
    // digitalSignature (bit 0), plus keyEncipherment (bit 2) for RSA.
    extensions.push(extension(OID.keyUsage, true, t.keyEncipherment ? bits(Buffer.from([0xa0]), 5) : bits(Buffer.from([0x80]), 7)));
    extensions.push(extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth))));
    const sans = [
      ...(t.dnsNames ?? []).map((n) => tlv(0x82, Buffer.from(n))),
      ...(t.ipAddresses ?? []).map((ip) => tlv(0x87, ipBytes(ip))),
    ];
    if (sans.length) extensions.push(extension(OID.subjectAltName, false, seq(...sans)));
  }
  extensions.push(extension(OID.subjectKeyId, false, octets(keyId(t.publicKey))));
  extensions.push(extension(OID.authorityKeyId, false, seq(tlv(0x80, keyId(t.issuerPublicKey)))));

  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const tbs = seq(
    explicit(0, unsigned(Buffer.from([2]))),
    unsigned(t.serial),
    algorithm,
    name(t.issuer),
    seq(time(t.notBefore), time(t.notAfter)),
    name(t.subject),
    t.publicKey,
    explicit(3, seq(...extensions)),
  );
  return seq(tbs, algorithm, bits(sign('sha256', tbs, t.signingKey)));
}

export function pem(der: Buffer): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
