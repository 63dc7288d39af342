// ACME Renewal Information (RFC 9773): the certificate identifier and the renewalInfo answer.
import { parsePem } from '../../pki/pem.js';
import { x509 } from '../../pki/x509.js';
import type { RenewalWindow } from '../types.js';

/**
 * The RFC 9773 section 4.1 identifier of a certificate (the first in `certificatePem`):
 * base64url(AKI keyIdentifier) "." base64url(serial number as DER INTEGER content octets).
 * The same string is the path segment of a renewalInfo request and the `replaces` of an order.
 */
export function ariCertificateId(certificatePem: string): string {
  const block = parsePem(certificatePem).find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new Error('no PEM CERTIFICATE block to compute an ARI certificate id from');
  const cert = new x509.X509Certificate(new Uint8Array(block.der));
  const keyId = cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId;
  if (!keyId) {
    throw new Error(`the certificate ${cert.subject} has no Authority Key Identifier with a keyIdentifier, which RFC 9773 needs to name it`);
  }
  return `${Buffer.from(keyId, 'hex').toString('base64url')}.${serialContentOctets(cert.serialNumber).toString('base64url')}`;
}

/**
 * The DER INTEGER content octets of a serial given as @peculiar/x509 prints it (hex, without
 * the leading 00 that DER puts before a first byte of 0x80 or more). RFC 5280 serials are
 * positive, so that 00 is exactly what is missing.
 */
function serialContentOctets(serialHex: string): Buffer {
  const bytes = Buffer.from(serialHex.length % 2 === 1 ? `0${serialHex}` : serialHex, 'hex');
  return bytes.length > 0 && bytes[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

/**
 * Reads a renewalInfo answer (RFC 9773 section 4.2): `suggestedWindow` with RFC 3339 `start`
 * and `end`, and an optional `explanationURL`. Throws on anything else, naming what is wrong.
 */
export function parseRenewalInfo(body: unknown): RenewalWindow {
  const object = typeof body === 'object' && body !== null ? body as Record<string, unknown> : undefined;
  const window = object?.suggestedWindow;
  if (typeof window !== 'object' || window === null) throw new Error('renewalInfo answer has no suggestedWindow object');
  const { start, end } = window as Record<string, unknown>;
  const startDate = typeof start === 'string' ? new Date(start) : undefined;
  const endDate = typeof end === 'string' ? new Date(end) : undefined;
  if (!startDate || Number.isNaN(startDate.getTime())) throw new Error(`renewalInfo suggestedWindow.start is not a timestamp: ${JSON.stringify(start)}`);
  if (!endDate || Number.isNaN(endDate.getTime())) throw new Error(`renewalInfo suggestedWindow.end is not a timestamp: ${JSON.stringify(end)}`);
  // Section 4.2: a window whose end is not after its start is invalid and must be ignored.
  if (endDate.getTime() <= startDate.getTime()) throw new Error(`renewalInfo suggestedWindow ends (${end as string}) before it starts (${start as string})`);
  const explanation = object?.explanationURL;
  return {
    start: startDate,
    end: endDate,
    ...(typeof explanation === 'string' && explanation !== '' ? { explanationURL: explanation } : {}),
  };
}
