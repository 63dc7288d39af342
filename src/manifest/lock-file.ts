import { dump } from 'js-yaml';
import type { Finding } from '../findings.js';
import { schemaFindings } from './schema-validation.js';
import { lockValidator } from './schema-validators.js';
import { escapePointerToken, parseYaml, type PositionIndex } from './yaml-source.js';

export const LOCK_FILE = 'certificates.lock.yaml';

/** What certops issued for one certificate: the "certificate reference". */
export interface LockEntry {
  /** Lower-case hex, no separators. */
  serial: string;
  /** SHA-256 of the DER certificate, lower-case hex. */
  sha256: string;
  /** Base64 SHA-256 of the SubjectPublicKeyInfo (RFC 7469 pin). */
  spkiSha256: string;
  notBefore: string;
  notAfter: string;
  /** The issuer's name in certificates.yaml. */
  issuer: string;
  /** The issuer DN as written in the certificate. */
  issuerDN: string;
  /** Repository path of the PEM holding leaf + chain. */
  certificate: string;
  /** Repository path of the age-encrypted private key. */
  key: string;
  /** `sha256:<hex>` of the spec the certificate was issued for. */
  specHash: string;
  /** RFC 9773 certificate id, when the issuing CA offers ARI. */
  ariCertId?: string;
  issuedAt: string;
  /** Run URL, or `certops cli` for local runs. */
  issuedBy?: string;
}

export interface LockFile {
  version: 1;
  certificates: Record<string, LockEntry>;
}

export interface LockLoad {
  lock: LockFile;
  findings: Finding[];
  positions?: PositionIndex;
}

function emptyLock(): LockFile {
  return { version: 1, certificates: {} };
}

/** Reads certificates.lock.yaml; a missing file (undefined source) is an empty lock. */
export function loadLock(source: string | undefined, file = LOCK_FILE): LockLoad {
  if (source === undefined) return { lock: emptyLock(), findings: [] };
  const parsed = parseYaml(source, file);
  if (!parsed.ok) {
    return { lock: emptyLock(), findings: [{ ruleId: 'lock-syntax', severity: 'error', message: `${parsed.message} Regenerate it with \`certops renew --force\`; do not edit it by hand.`, file, ...parsed.position }] };
  }
  const findings = schemaFindings(lockValidator(), parsed.value, parsed.positions, file, 'lock-schema');
  const value = parsed.value as Partial<LockFile> | null;
  const certificates: Record<string, LockEntry> = {};
  if (value && typeof value === 'object' && value.certificates && typeof value.certificates === 'object') {
    // An entry with schema errors is left out; exactly that entry (web-2's errors do not drop web).
    const broken = new Set(findings.map((f) => /^\/certificates\/([^/]+)/.exec(f.path ?? '')?.[1]).filter((n) => n !== undefined));
    for (const [name, entry] of Object.entries(value.certificates)) {
      if (!broken.has(escapePointerToken(name))) certificates[name] = entry;
    }
  }
  return { lock: { version: 1, certificates }, findings, positions: parsed.positions };
}

/** Field order in the file: identity first, then validity, then provenance. */
const ENTRY_KEYS: (keyof LockEntry)[] = [
  'serial', 'sha256', 'spkiSha256', 'notBefore', 'notAfter', 'issuer', 'issuerDN',
  'certificate', 'key', 'specHash', 'ariCertId', 'issuedAt', 'issuedBy',
];

/** Deterministic serialisation: entries sorted by name, fields in a fixed order, same input -> same bytes. */
export function serializeLock(lock: LockFile): string {
  const certificates: Record<string, Record<string, string>> = {};
  for (const name of Object.keys(lock.certificates).sort()) {
    const entry = lock.certificates[name]!;
    const ordered: Record<string, string> = {};
    for (const k of ENTRY_KEYS) if (entry[k] !== undefined) ordered[k] = entry[k]!;
    certificates[name] = ordered;
  }
  const body = dump({ version: 1, certificates }, { lineWidth: -1, noRefs: true, sortKeys: false, quoteStyle: 'double' });
  return `# certificates.lock.yaml: the certificates certops issued. Written by certops; do not edit.\n${body}`;
}
