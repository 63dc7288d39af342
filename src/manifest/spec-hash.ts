import { createHash } from 'node:crypto';
import type { CertificateSpec } from './types.js';

/**
 * Hash of what a certificate was issued for. Only fields that change the issued certificate
 * count: owners, labels, deploy targets and renewal timing can change without a reissue.
 */
export function specHash(spec: CertificateSpec): string {
  const issued = {
    commonName: spec.commonName ?? null,
    dnsNames: [...spec.dnsNames].sort(),
    ipAddresses: [...spec.ipAddresses].sort(),
    uris: [...spec.uris].sort(),
    emailAddresses: [...spec.emailAddresses].sort(),
    duration: spec.durationMs,
    key: { algorithm: spec.privateKey.algorithm, size: spec.privateKey.size },
    usages: [...spec.usages].sort(),
    issuer: spec.issuer,
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(issued)).digest('hex')}`;
}
