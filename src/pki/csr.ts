import { createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { CertificateSpec } from '../manifest/types.js';
import { normalizeIp } from './ip.js';
import { toPem } from './pem.js';
import { toWebCryptoKeys, type KeyPair } from './private-key.js';
import { x509 } from './x509.js';

/** The names a certificate is for: what a CSR and an issued certificate carry. */
export type CertificateNames = Pick<CertificateSpec, 'commonName' | 'dnsNames' | 'ipAddresses' | 'uris' | 'emailAddresses'>;

/** X.509's upper bound for a commonName (ub-common-name, RFC 5280 appendix A). */
export const MAX_COMMON_NAME_LENGTH = 64;

/**
 * The subject CN: commonName, else the first DNS name. A first DNS name too long for a CN is
 * left out rather than truncated (the SAN carries it; browsers ignore the CN anyway).
 */
export function subjectCommonName(names: CertificateNames): string | undefined {
  if (names.commonName !== undefined && names.commonName !== '') {
    if (names.commonName.length > MAX_COMMON_NAME_LENGTH) {
      throw new Error(`commonName is ${names.commonName.length} characters long; X.509 allows at most ${MAX_COMMON_NAME_LENGTH}: shorten it or leave it out and rely on dnsNames`);
    }
    return names.commonName;
  }
  const first = names.dnsNames[0];
  return first !== undefined && first.length <= MAX_COMMON_NAME_LENGTH ? first : undefined;
}

/** The subjectAltName entries for a certificate, checked, in spec order (DNS, IP, URI, email). */
export function subjectAltNames(names: CertificateNames): x509.JsonGeneralName[] {
  const out: x509.JsonGeneralName[] = [];
  for (const dns of names.dnsNames) out.push({ type: 'dns', value: dns });
  for (const ip of names.ipAddresses) out.push({ type: 'ip', value: canonicalIpAddress(ip) });
  for (const uri of names.uris) {
    if (!URL.canParse(uri)) throw new Error(`uris: "${uri}" is not an absolute URI`);
    out.push({ type: 'url', value: uri });
  }
  for (const email of names.emailAddresses) out.push({ type: 'email', value: email });
  return out;
}

/**
 * One spelling per address: IPv4 as dotted quad, IPv6 compressed hex with no embedded IPv4.
 * @peculiar/x509 encodes "::ffff:1.2.3.4" as ::ffff:1 and drops a zone id silently, so the
 * forms it gets wrong never reach it; a zone id (fe80::1%eth0) means nothing in a certificate.
 */
export function canonicalIpAddress(ip: string): string {
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version === 6 && !ip.includes('%')) return normalizeIp(ip);
  throw new Error(`ipAddresses: "${ip}" is not an IPv4 or IPv6 address${ip.includes('%') ? ' (a zone id such as %eth0 has no place in a certificate)' : ''}`);
}

/** The subject Name for a CN (or the empty Name), as JSON so no value needs DN-string escaping. */
export function subjectName(commonName: string | undefined): x509.JsonName {
  return commonName === undefined ? [] : [{ CN: [commonName] }];
}

/**
 * A PKCS#10 request for the names, signed with the key, as PEM. The SANs travel in the
 * extensionRequest attribute, which is where ACME CAs and cfssl read them.
 */
export async function createCsr(names: CertificateNames, key: KeyPair): Promise<string> {
  const commonName = subjectCommonName(names);
  const sans = subjectAltNames(names);
  if (commonName === undefined && sans.length === 0) throw new Error('the certificate names nothing: set commonName, dnsNames, ipAddresses, uris or emailAddresses');
  const { keys, signingAlgorithm } = await toWebCryptoKeys(key);
  const extensions: x509.Extension[] = [];
  // RFC 5280 4.2.1.6: with an empty subject the SAN extension must be critical.
  if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, commonName === undefined));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subjectName(commonName), keys, signingAlgorithm, extensions });
  return toPem('CERTIFICATE REQUEST', new Uint8Array(csr.rawData));
}

/** What certops reads out of a CSR. */
export interface ParsedCsr {
  publicKey: KeyObject;
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emailAddresses: string[];
}

/** Parses a PEM CSR and checks its self-signature (proof that the requester holds the key). */
export async function readCsr(pem: string): Promise<ParsedCsr> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    throw new Error(`the certificate request does not parse: ${(err as Error).message}`);
  }
  if (!(await csr.verify())) throw new Error('the certificate request is not signed by the key it carries');
  const out: ParsedCsr = {
    publicKey: createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }),
    ...generalNames(sanExtension(csr.getExtension(SAN_OID))),
  };
  const cn = csr.subjectName.getField('CN')[0];
  if (cn !== undefined) out.commonName = cn;
  return out;
}

const SAN_OID = '2.5.29.17';

function sanExtension(ext: x509.Extension | null): x509.SubjectAlternativeNameExtension | null {
  if (ext === null || ext instanceof x509.SubjectAlternativeNameExtension) return ext;
  return new x509.SubjectAlternativeNameExtension(ext.rawData);
}

/** The SAN entries of a parsed extension, sorted into certops' four lists. */
function generalNames(ext: x509.SubjectAlternativeNameExtension | null): Omit<ParsedCsr, 'publicKey' | 'commonName'> {
  const out = { dnsNames: [] as string[], ipAddresses: [] as string[], uris: [] as string[], emailAddresses: [] as string[] };
  for (const name of ext?.names.items ?? []) {
    if (name.type === 'dns') out.dnsNames.push(name.value);
    else if (name.type === 'ip') out.ipAddresses.push(name.value);
    else if (name.type === 'url') out.uris.push(name.value);
    else if (name.type === 'email') out.emailAddresses.push(name.value);
  }
  return out;
}
