import type { CertificateSpec } from '../manifest/types.js';
import { matchesGlob } from './glob.js';
import type { Selector } from './types.js';

/** Whether a policy's selector picks a certificate: every condition it lists must hold. */
export function selects(selector: Selector, cert: CertificateSpec): boolean {
  if (selector.names && !matchesGlob(cert.name, selector.names)) return false;
  if (selector.issuers && !selector.issuers.includes(cert.issuer)) return false;
  if (selector.labels) {
    for (const [k, v] of Object.entries(selector.labels)) if (cert.labels[k] !== v) return false;
  }
  return true;
}
