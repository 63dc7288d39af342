import { colonSerial } from '../events/event.js';
import type { LockFile } from '../manifest/lock-file.js';
import type { CertificateSpec, Manifest, PrivateKeySpec } from '../manifest/types.js';
import { normalizeSerial } from '../pki/certificate-info.js';
import { findPullRequestUrl, isoDay, isoSeconds, parseTime } from './format.js';
import type { LedgerEntry } from './ledger-file.js';
import type { RenewalPoint } from './renewal-points.js';
import { alertThreshold, daysLeft, STATUS_ORDER, statusOf, type ExpiryStatus, type Thresholds } from './status.js';

/** The last issuance or renewal of a certificate, and where the evidence for it is. */
export interface LastRenewal {
  at: string;
  /** `certificate_issued` or `certificate_renewed` from the ledger; `lock` when only the lock file knows. */
  event: string;
  actor: string | null;
  runUrl: string | null;
  pullRequest: string | null;
  /** Line of the ledger event, when the ledger has one. */
  ledgerLine: number | null;
}

/** A renewal or deployment failure that no later success has superseded. */
export interface OpenFailure {
  at: string;
  event: string;
  message: string | null;
  ledgerLine: number;
}

export interface ExpiryEntry {
  name: string;
  /** Declared in certificates.yaml. False for a lock entry or certs/ directory the manifest does not name. */
  managed: boolean;
  commonName: string | null;
  /** Subject alternative names: DNS names, IP addresses, URIs, e-mail addresses. */
  names: string[];
  /** Owner names from certificates.yaml. */
  owners: string[];
  /** GitHub handles (users or org/team) of the owners, from the manifest's `owners:` map. */
  contacts: string[];
  /** The issuer's name in certificates.yaml (or the lock file). */
  issuer: string | null;
  issuerDN: string | null;
  /** Requested key, e.g. `ECDSA P-256`. */
  key: string | null;
  /** Colon-separated upper-case hex. */
  serial: string | null;
  notBefore: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  status: ExpiryStatus;
  nextRenewal: { at: string | null; due: boolean; reason: string } | null;
  lastRenewal: LastRenewal | null;
  lastFailure: OpenFailure | null;
  targets: string[];
  /** Repository paths (with `#L<line>` where known) of what this entry was read from. */
  sources: { manifest: string | null; lock: string | null; certificate: string | null };
}

export interface LedgerStatus {
  file: string;
  lines: number;
  head: string | null;
  ok: boolean;
  firstBadLine: number | null;
  problem: string | null;
}

export interface ExpiryReport {
  $schema: string;
  version: 1;
  /** The UTC day the report is for. The exact instant is left out so hourly reruns do not churn. */
  date: string;
  thresholds: Thresholds;
  total: number;
  counts: Record<ExpiryStatus, number>;
  certificates: ExpiryEntry[];
  ledger: LedgerStatus;
}

export interface ExpiryAlert {
  certificate: string;
  daysLeft: number;
  /** The alert threshold crossed (days); 0 once expired. */
  threshold: number;
  owners: string[];
  contacts: string[];
  notAfter: string;
}

export const EXPIRY_SCHEMA_URL = 'https://certops.dev/schema/expiry-report.schema.json';

/** A certs/<name>/ directory and what its cert.pem says, for certificates no file declares. */
export interface CertificateDir {
  name: string;
  path: string;
  certificate?: { serial: string; notBefore: Date; notAfter: Date; issuerDN: string; commonName?: string; names: string[] };
}

export interface ModelInput {
  now: Date;
  thresholds: Thresholds;
  manifest: Manifest;
  manifestLines: ReadonlyMap<string, number>;
  lock: LockFile;
  lockFile: string;
  lockLines: ReadonlyMap<string, number>;
  renewals: ReadonlyMap<string, RenewalPoint>;
  ledger: readonly LedgerEntry[];
  ledgerStatus: LedgerStatus;
  certificateDirs: readonly CertificateDir[];
  /** Whether a repository file exists: a source is linked only when it does. Default: every file exists. */
  fileExists?: (path: string) => boolean;
}

const RENEWAL_EVENTS = new Set(['certificate_issued', 'certificate_renewed']);
const DEPLOY_OK = new Set(['certificate_deployed']);
const RENEWAL_FAILED = 'certificate_renewal_failed';
const DEPLOY_FAILED = new Set(['certificate_deploy_failed', 'certificate_rolled_back']);

/** Builds the report's data from what the repository holds. Pure: same input, same report. */
export function buildExpiryReport(input: ModelInput): ExpiryReport {
  const nowMs = input.now.getTime();
  const history = groupHistory(input.ledger);
  const entries: ExpiryEntry[] = [];
  const declared = new Set<string>();
  for (const spec of input.manifest.certificates) {
    declared.add(spec.name);
    entries.push(managedEntry(spec, input, history.get(spec.name) ?? [], nowMs));
  }
  for (const name of Object.keys(input.lock.certificates).sort()) {
    if (!declared.has(name)) {
      declared.add(name);
      entries.push(lockOnlyEntry(name, input, history.get(name) ?? [], nowMs));
    }
  }
  for (const dir of input.certificateDirs) {
    if (!declared.has(dir.name)) entries.push(dirOnlyEntry(dir, input, history.get(dir.name) ?? [], nowMs));
  }
  sortByUrgency(entries);
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<ExpiryStatus, number>;
  for (const e of entries) counts[e.status]++;
  return {
    $schema: EXPIRY_SCHEMA_URL,
    version: 1,
    date: isoDay(input.now),
    thresholds: input.thresholds,
    total: entries.length,
    counts,
    certificates: entries,
    ledger: input.ledgerStatus,
  };
}

/** Soonest expiry first; certificates with no expiry (never issued) before all of them; then by name. */
function sortByUrgency(entries: ExpiryEntry[]): void {
  // Keys computed once: parsing dates inside the comparator costs more than the sort at 10,000 entries.
  const keyed = entries.map((e) => ({ e, t: e.notAfter === null ? -Infinity : Date.parse(e.notAfter) }));
  keyed.sort((a, b) => (a.t !== b.t ? (a.t < b.t ? -1 : 1) : a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0));
  keyed.forEach((k, i) => (entries[i] = k.e));
}

/** The alerts of a report: certificates past an alert threshold, most urgent first. */
export function expiryAlerts(report: ExpiryReport, now: Date): ExpiryAlert[] {
  const alerts: ExpiryAlert[] = [];
  for (const e of report.certificates) {
    if (e.notAfter === null || e.daysLeft === null) continue;
    const threshold = alertThreshold(Date.parse(e.notAfter), now.getTime(), report.thresholds.alerts);
    if (threshold === undefined) continue;
    alerts.push({ certificate: e.name, daysLeft: e.daysLeft, threshold, owners: e.owners, contacts: e.contacts, notAfter: e.notAfter });
  }
  return alerts;
}

function managedEntry(spec: CertificateSpec, input: ModelInput, events: readonly LedgerEntry[], nowMs: number): ExpiryEntry {
  const lock = input.lock.certificates[spec.name];
  const notBefore = parseTime(lock?.notBefore);
  const notAfter = parseTime(lock?.notAfter);
  const issued = lock !== undefined && notBefore !== undefined && notAfter !== undefined;
  const point = input.renewals.get(spec.name);
  const line = input.manifestLines.get(spec.name);
  const lockLine = input.lockLines.get(spec.name);
  return {
    name: spec.name,
    managed: true,
    commonName: spec.commonName ?? null,
    names: [...spec.dnsNames, ...spec.ipAddresses, ...spec.uris, ...spec.emailAddresses],
    owners: [...spec.owners],
    contacts: contactsOf(spec.owners, input.manifest.owners),
    issuer: spec.issuer || null,
    issuerDN: lock?.issuerDN ?? null,
    key: keyText(spec.privateKey),
    serial: lock ? colonSerial(lock.serial) : null,
    notBefore: issued ? isoSeconds(lock.notBefore) : null,
    notAfter: issued ? isoSeconds(lock.notAfter) : null,
    daysLeft: issued ? daysLeft(notAfter, nowMs) : null,
    status: issued ? statusOf(notAfter, nowMs, input.thresholds) : 'not-issued',
    nextRenewal: point ? { at: point.at ? isoSeconds(point.at) : null, due: point.due, reason: point.reason } : null,
    lastRenewal: lastRenewal(events, lock ? { serial: lock.serial, issuedAt: lock.issuedAt, issuedBy: lock.issuedBy } : undefined),
    lastFailure: openFailure(events),
    targets: [...spec.deploy],
    sources: {
      manifest: `${input.manifest.file}${line ? `#L${line}` : ''}`,
      lock: lock ? `${input.lockFile}${lockLine ? `#L${lockLine}` : ''}` : null,
      certificate: existing(input, lock?.certificate),
    },
  };
}

function lockOnlyEntry(name: string, input: ModelInput, events: readonly LedgerEntry[], nowMs: number): ExpiryEntry {
  const lock = input.lock.certificates[name]!;
  const notBefore = parseTime(lock.notBefore);
  const notAfter = parseTime(lock.notAfter);
  const dated = notBefore !== undefined && notAfter !== undefined;
  const lockLine = input.lockLines.get(name);
  return {
    ...unmanaged(name),
    issuer: lock.issuer || null,
    issuerDN: lock.issuerDN || null,
    serial: colonSerial(lock.serial),
    notBefore: dated ? isoSeconds(lock.notBefore) : null,
    notAfter: dated ? isoSeconds(lock.notAfter) : null,
    daysLeft: dated ? daysLeft(notAfter, nowMs) : null,
    status: dated ? statusOf(notAfter, nowMs, input.thresholds) : 'not-issued',
    lastRenewal: lastRenewal(events, { serial: lock.serial, issuedAt: lock.issuedAt, issuedBy: lock.issuedBy }),
    lastFailure: openFailure(events),
    sources: { manifest: null, lock: `${input.lockFile}${lockLine ? `#L${lockLine}` : ''}`, certificate: existing(input, lock.certificate) },
  };
}

function dirOnlyEntry(dir: CertificateDir, input: ModelInput, events: readonly LedgerEntry[], nowMs: number): ExpiryEntry {
  const c = dir.certificate;
  return {
    ...unmanaged(dir.name),
    commonName: c?.commonName ?? null,
    names: c?.names ?? [],
    issuerDN: c?.issuerDN ?? null,
    serial: c ? colonSerial(c.serial) : null,
    notBefore: c ? isoSeconds(c.notBefore) : null,
    notAfter: c ? isoSeconds(c.notAfter) : null,
    daysLeft: c ? daysLeft(c.notAfter.getTime(), nowMs) : null,
    status: c ? statusOf(c.notAfter.getTime(), nowMs, input.thresholds) : 'not-issued',
    lastRenewal: lastRenewal(events, undefined),
    lastFailure: openFailure(events),
    sources: { manifest: null, lock: null, certificate: dir.path },
  };
}

function unmanaged(name: string): ExpiryEntry {
  return {
    name,
    managed: false,
    commonName: null,
    names: [],
    owners: [],
    contacts: [],
    issuer: null,
    issuerDN: null,
    key: null,
    serial: null,
    notBefore: null,
    notAfter: null,
    daysLeft: null,
    status: 'not-issued',
    nextRenewal: null,
    lastRenewal: null,
    lastFailure: null,
    targets: [],
    sources: { manifest: null, lock: null, certificate: null },
  };
}

function groupHistory(ledger: readonly LedgerEntry[]): Map<string, LedgerEntry[]> {
  const byName = new Map<string, LedgerEntry[]>();
  for (const entry of ledger) {
    const list = byName.get(entry.event.certificate);
    if (list) list.push(entry);
    else byName.set(entry.event.certificate, [entry]);
  }
  return byName;
}

/**
 * The ledger event that issued the certificate now in the lock (found by serial) carries the
 * pull request; without one, the lock's own issuedAt/issuedBy; without a lock entry, the
 * latest issuance in the ledger.
 */
function lastRenewal(events: readonly LedgerEntry[], lock: { serial: string; issuedAt: string; issuedBy?: string | undefined } | undefined): LastRenewal | null {
  const renewals = events.filter((e) => RENEWAL_EVENTS.has(e.event.event_type));
  const serial = lock ? normalizeSerial(lock.serial) : undefined;
  const match = serial === undefined ? undefined : [...renewals].reverse().find((e) => normalizeSerial(e.event.certificate_serial ?? '') === serial);
  const chosen = match ?? (lock ? undefined : renewals[renewals.length - 1]);
  if (chosen) {
    const e = chosen.event;
    const at = parseTime(e.timestamp);
    return {
      at: at === undefined ? e.timestamp : isoSeconds(e.timestamp),
      event: e.event_type,
      actor: e.actor || null,
      runUrl: isUrl(e.run_url) ? e.run_url : null,
      pullRequest: findPullRequestUrl(e.message, e.run_url) ?? null,
      ledgerLine: chosen.line,
    };
  }
  if (!lock) return null;
  if (parseTime(lock.issuedAt) === undefined) return null;
  return {
    at: isoSeconds(lock.issuedAt),
    event: 'lock',
    actor: null,
    runUrl: isUrl(lock.issuedBy) ? lock.issuedBy : null,
    pullRequest: findPullRequestUrl(lock.issuedBy) ?? null,
    ledgerLine: null,
  };
}

function openFailure(events: readonly LedgerEntry[]): OpenFailure | null {
  let renewal: LedgerEntry | undefined;
  let deploy: LedgerEntry | undefined;
  for (const entry of events) {
    const type = entry.event.event_type;
    if (RENEWAL_EVENTS.has(type)) renewal = undefined;
    else if (type === RENEWAL_FAILED) renewal = entry;
    else if (DEPLOY_OK.has(type)) deploy = undefined;
    else if (DEPLOY_FAILED.has(type)) deploy = entry;
  }
  const latest = [renewal, deploy].filter((e): e is LedgerEntry => e !== undefined).sort((a, b) => b.line - a.line)[0];
  if (!latest) return null;
  const at = parseTime(latest.event.timestamp);
  return { at: at === undefined ? latest.event.timestamp : isoSeconds(latest.event.timestamp), event: latest.event.event_type, message: latest.event.message ?? null, ledgerLine: latest.line };
}

/** GitHub handles of owner names, through the manifest's `owners:` map; an unmapped name is taken as a handle. */
export function contactsOf(owners: readonly string[], map: Record<string, string[]>): string[] {
  const handles: string[] = [];
  for (const o of owners) for (const h of map[o] ?? [o]) if (!handles.includes(h)) handles.push(h);
  return handles;
}

function keyText(key: PrivateKeySpec): string {
  if (key.algorithm === 'Ed25519') return 'Ed25519';
  if (key.algorithm === 'ECDSA') return `ECDSA P-${key.size}`;
  return `RSA ${key.size}`;
}

function existing(input: ModelInput, path: string | undefined): string | null {
  return path && (input.fileExists?.(path) ?? true) ? path : null;
}

function isUrl(text: string | undefined): text is string {
  return typeof text === 'string' && /^https?:\/\//.test(text);
}
