import { describeCertificate, oneLineDn, readCertificateChain } from '../pki/certificate-info.js';
import type { LockEntry } from './lock-file.js';
import { specHash } from './spec-hash.js';
import type { CertificateSpec } from './types.js';

export interface LockEntryInput {
  spec: CertificateSpec;
  /** Leaf + chain PEM as written to the repository. */
  certificatePem: string;
  certificatePath: string;
  keyPath: string;
  issuedAt: Date;
  /** Run URL, or `certops cli`. */
  issuedBy?: string;
  ariCertId?: string;
}

/** The lock entry that records an issued certificate: read from the certificate itself, never from the request. */
export function lockEntryFor(input: LockEntryInput): LockEntry {
  const leaf = describeCertificate(readCertificateChain(input.certificatePem)[0]!);
  const entry: LockEntry = {
    serial: leaf.serial,
    sha256: leaf.sha256,
    spkiSha256: leaf.spkiSha256,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    issuer: input.spec.issuer,
    issuerDN: oneLineDn(leaf.issuerDN),
    certificate: input.certificatePath,
    key: input.keyPath,
    specHash: specHash(input.spec),
    issuedAt: input.issuedAt.toISOString(),
  };
  if (input.ariCertId) entry.ariCertId = input.ariCertId;
  if (input.issuedBy) entry.issuedBy = input.issuedBy;
  return entry;
}
