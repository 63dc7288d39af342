import type { KeyAlgorithm, Usage } from '../../manifest/types.js';
import { x509 } from '../../pki/x509.js';

/** keyUsage bits that each key algorithm can meaningfully carry. */
const KEY_USAGES_FOR: Record<KeyAlgorithm, number> = {
  // RFC 8017 keys sign and encipher (TLS RSA key exchange); RSA has no key agreement.
  RSA: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
  // RFC 5480 3: an id-ecPublicKey certificate must not assert keyEncipherment.
  ECDSA: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
  // RFC 8410 5: Ed25519 certificates carry signature usages only.
  Ed25519: x509.KeyUsageFlags.digitalSignature,
};

/**
 * The keyUsage bits for cert-manager usages on a key of this algorithm. A usage the key cannot
 * have (key encipherment on ECDSA, as cert-manager examples often list) is left out, as public
 * CAs do, rather than failing the renewal; 0 means "no keyUsage extension".
 */
export function keyUsageFlags(usages: readonly Usage[], algorithm: KeyAlgorithm): number {
  let flags = 0;
  for (const usage of usages) {
    if (usage === 'digital signature') flags |= x509.KeyUsageFlags.digitalSignature;
    else if (usage === 'key encipherment') flags |= x509.KeyUsageFlags.keyEncipherment;
    else if (usage === 'key agreement') flags |= x509.KeyUsageFlags.keyAgreement;
  }
  return flags & KEY_USAGES_FOR[algorithm];
}

const EXTENDED: Partial<Record<Usage, string>> = {
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
  timestamping: x509.ExtendedKeyUsage.timeStamping,
};

const KEY_USAGE_NAMES = new Set<string>(['digital signature', 'key encipherment', 'key agreement']);

/** extendedKeyUsage OIDs for cert-manager usages, in the order given, without duplicates. */
export function extendedKeyUsages(usages: readonly Usage[]): string[] {
  const out: string[] = [];
  for (const usage of usages) {
    const oid = EXTENDED[usage];
    if (oid === undefined) {
      if (KEY_USAGE_NAMES.has(usage)) continue;
      throw new Error(`usage "${usage}" is not one certops knows: use ${[...KEY_USAGE_NAMES, ...Object.keys(EXTENDED)].join(', ')}`);
    }
    if (!out.includes(oid)) out.push(oid);
  }
  return out;
}
