import type { Finding } from '../findings.js';
import { didYouMean } from './did-you-mean.js';
import { parseDuration } from './duration.js';
import { schemaFindings } from './schema-validation.js';
import { manifestValidator } from './schema-validators.js';
import {
  DEFAULT_DURATION,
  DEFAULT_PRIVATE_KEY,
  type CertificateDocument,
  type CertificateSpec,
  type Manifest,
  type ManifestDocument,
  type RetiredKey,
  type Usage,
} from './types.js';
import { parseYaml, type PositionIndex } from './yaml-source.js';

export const MANIFEST_FILE = 'certificates.yaml';

/** Thrown when certificates.yaml cannot be used at all; the findings say why, with lines. */
export class ManifestError extends Error {
  constructor(readonly findings: Finding[]) {
    super(`certificates.yaml cannot be used:\n${findings.map((f) => `  ${f.file}:${f.line}:${f.column} ${f.message}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

export interface ManifestLoad {
  /** The resolved manifest; undefined when the file is too broken to use at all. */
  manifest?: Manifest;
  /** Problems with the file itself: syntax, schema, references. Rule id `manifest`. */
  findings: Finding[];
  positions?: PositionIndex;
}

/**
 * Parses, validates and resolves certificates.yaml. Never throws on bad input: every problem
 * is a finding at its line. Certificates with schema errors of their own are left out of the
 * resolved manifest so the rules only see well-formed specs; the findings still name them.
 */
export function loadManifest(source: string, file = MANIFEST_FILE): ManifestLoad {
  const parsed = parseYaml(source, file);
  if (!parsed.ok) {
    return { findings: [{ ruleId: 'manifest-syntax', severity: 'error', message: parsed.message, file, ...parsed.position }] };
  }
  const { value, positions } = parsed;
  const findings = schemaFindings(manifestValidator(), value, positions, file, 'manifest-schema');
  if (!isObject(value) || !Array.isArray(value.certificates)) {
    if (findings.length === 0) {
      findings.push({ ruleId: 'manifest-schema', severity: 'error', message: `${file} must be a mapping with "version: 1" and a "certificates" list.`, file, line: 1, column: 1 });
    }
    return { findings, positions };
  }
  const doc = value as unknown as ManifestDocument;
  const brokenCerts = new Set<number>();
  for (const f of findings) {
    const m = /^\/certificates\/(\d+)(?:\/|$)/.exec(f.path ?? '');
    if (m) brokenCerts.add(Number(m[1]));
  }
  const at = (pointer: string, key = false) => {
    const pos = (key ? positions.key(pointer) : undefined) ?? positions.value(pointer) ?? positions.nearest(pointer);
    return { file, line: pos.line, column: pos.column, path: pointer };
  };
  const issuers = isObject(doc.issuers) ? doc.issuers : {};
  const targets = isObject(doc.targets) ? doc.targets : {};
  const owners = isObject(doc.owners) ? doc.owners : {};
  const defaults = isObject(doc.defaults) ? doc.defaults : {};

  const refCheck = (kind: 'issuer' | 'target' | 'owner', name: unknown, known: object, pointer: string, cert?: string) => {
    if (typeof name !== 'string' || Object.hasOwn(known, name)) return;
    const section = kind === 'issuer' ? 'issuers' : kind === 'target' ? 'targets' : 'owners';
    const guess = didYouMean(name, Object.keys(known));
    findings.push({
      ruleId: 'manifest-reference',
      severity: 'error',
      message: `${kind} "${name}" is not defined under ${section}.` + (guess ? ` Did you mean "${guess}"?` : ` Add it under ${section}, or use one of: ${Object.keys(known).join(', ') || '(none defined)'}.`),
      ...(cert ? { certificate: cert } : {}),
      ...at(pointer),
    });
  };

  refCheck('issuer', defaults.issuer, issuers, '/defaults/issuer');
  if (Array.isArray(defaults.deploy)) defaults.deploy.forEach((t, i) => refCheck('target', t, targets, `/defaults/deploy/${i}`));
  if (Array.isArray(defaults.owners)) defaults.owners.forEach((o, i) => refCheck('owner', o, owners, `/defaults/owners/${i}`));

  const seen = new Map<string, number>();
  const certificates: CertificateSpec[] = [];
  doc.certificates.forEach((raw: CertificateDocument, index) => {
    if (!isObject(raw) || typeof raw.name !== 'string') return;
    const base = `/certificates/${index}`;
    const first = seen.get(raw.name);
    if (first !== undefined) {
      findings.push({
        ruleId: 'manifest-duplicate',
        severity: 'error',
        message: `Certificate name "${raw.name}" is used twice (first at certificates[${first}]); names must be unique because files live under certs/<name>/.`,
        certificate: raw.name,
        ...at(`${base}/name`),
      });
      return;
    }
    seen.set(raw.name, index);

    const issuer = raw.issuer ?? defaults.issuer;
    if (issuer === undefined) {
      findings.push({ ruleId: 'manifest-reference', severity: 'error', message: `Certificate "${raw.name}" names no issuer and defaults.issuer is not set.`, certificate: raw.name, ...at(base) });
    } else if (raw.issuer !== undefined) refCheck('issuer', raw.issuer, issuers, `${base}/issuer`, raw.name);
    if (Array.isArray(raw.deploy)) raw.deploy.forEach((t, i) => refCheck('target', t, targets, `${base}/deploy/${i}`, raw.name));
    if (Array.isArray(raw.owners)) raw.owners.forEach((o, i) => refCheck('owner', o, owners, `${base}/owners/${i}`, raw.name));
    if (brokenCerts.has(index)) return;
    if (!raw.commonName && !raw.dnsNames?.length && !raw.ipAddresses?.length && !raw.uris?.length && !raw.emailAddresses?.length) {
      findings.push({ ruleId: 'manifest-schema', severity: 'error', message: `Certificate "${raw.name}" names no subject: set commonName, dnsNames, ipAddresses, uris or emailAddresses.`, certificate: raw.name, ...at(base) });
      return;
    }
    const duration = raw.duration ?? defaults.duration ?? DEFAULT_DURATION;
    const durationMs = parseDuration(duration);
    if (durationMs === undefined) return; // not a duration: the schema reported it where it is written
    if (durationMs === 0) {
      const pointer = raw.duration !== undefined ? `${base}/duration` : '/defaults/duration';
      findings.push({ ruleId: 'manifest-schema', severity: 'error', message: `duration "${duration}" is zero: a certificate must live for some time, e.g. 90d.`, certificate: raw.name, ...at(pointer) });
      return;
    }
    const renewBefore = raw.renewBefore ?? (raw.renewBeforePercentage === undefined ? defaults.renewBefore : undefined);
    const privateKey = { ...DEFAULT_PRIVATE_KEY, ...defaults.privateKey, ...raw.privateKey };
    // A size belongs to its algorithm: the certificate's own, else the defaults' when the algorithm is
    // the defaults' one, else that algorithm's usual size (RSA 2048, ECDSA P-256).
    const defaultsAlgorithm = defaults.privateKey?.algorithm ?? DEFAULT_PRIVATE_KEY.algorithm;
    const inheritedSize = defaults.privateKey?.size ?? (defaults.privateKey?.algorithm === undefined ? DEFAULT_PRIVATE_KEY.size : undefined);
    privateKey.size = privateKey.algorithm === 'Ed25519' ? 0 : (raw.privateKey?.size ?? (privateKey.algorithm === defaultsAlgorithm ? inheritedSize : undefined) ?? defaultKeySize(privateKey.algorithm));
    const spec: CertificateSpec = {
      name: raw.name,
      index,
      dnsNames: raw.dnsNames ?? [],
      ipAddresses: raw.ipAddresses ?? [],
      uris: raw.uris ?? [],
      emailAddresses: raw.emailAddresses ?? [],
      duration,
      durationMs,
      privateKey,
      usages: raw.usages ?? defaults.usages ?? defaultUsages(privateKey.algorithm),
      issuer: issuer ?? '',
      owners: raw.owners ?? defaults.owners ?? [],
      deploy: raw.deploy ?? defaults.deploy ?? [],
      labels: { ...defaults.labels, ...raw.labels },
    };
    if (raw.commonName !== undefined) spec.commonName = raw.commonName;
    if (renewBefore !== undefined) {
      spec.renewBefore = renewBefore;
      const ms = parseDuration(renewBefore);
      if (ms !== undefined) spec.renewBeforeMs = ms;
    }
    const pct = raw.renewBeforePercentage ?? (raw.renewBefore === undefined ? defaults.renewBeforePercentage : undefined);
    if (pct !== undefined && spec.renewBefore === undefined) spec.renewBeforePercentage = pct;
    certificates.push(spec);
  });

  const manifest: Manifest = {
    file,
    document: doc,
    recipients: Array.isArray(doc.recipients) ? doc.recipients : [],
    // Items the schema refused are reported there and left out here, so no consumer meets them.
    retiredKeys: Array.isArray(doc.retiredKeys) ? doc.retiredKeys.filter((k): k is RetiredKey => isObject(k) && typeof k.spkiSha256 === 'string' && typeof k.reason === 'string') : [],
    owners,
    issuers,
    targets,
    certificates,
  };
  return { manifest, findings, positions };
}

function defaultKeySize(algorithm: string): number {
  return algorithm === 'RSA' ? 2048 : algorithm === 'ECDSA' ? 256 : 0;
}

/** cert-manager's default usages, less key encipherment where the key cannot encipher. */
function defaultUsages(algorithm: string): Usage[] {
  return algorithm === 'RSA' ? ['digital signature', 'key encipherment', 'server auth'] : ['digital signature', 'server auth'];
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
