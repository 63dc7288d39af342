import { createHash } from 'node:crypto';
import type { RenewalWindow } from '../issuers/types.js';
import { didYouMean } from '../manifest/did-you-mean.js';
import { DAY_MS, formatDuration } from '../manifest/duration.js';
import type { LockEntry, LockFile } from '../manifest/lock-file.js';
import { specHash } from '../manifest/spec-hash.js';
import type { CertificateSpec } from '../manifest/types.js';

/** Why a certificate is (or is not) renewed in this run. */
export type RenewalReason =
  /** Never issued: no entry in the lock file, or an entry without readable validity dates. */
  | 'missing'
  /** The renewal point (renewBefore, renewBeforePercentage or the default third) has passed, or it expired. */
  | 'expiring'
  /** The CA's ACME Renewal Information window says to renew now (RFC 9773). */
  | 'ari-window'
  /** certificates.yaml asks for a different certificate than the one issued (names, key type, duration, issuer, usages). */
  | 'spec-changed'
  /** The issued key is retired (listed in `retiredKeys`): a new key is needed whatever the rotationPolicy. */
  | 'key-rotation'
  /** Nothing made it due, but the run was forced (`--force`). */
  | 'forced'
  /** Valid, and not yet at its renewal point. */
  | 'not-due';

export interface PlanInput {
  /** The manifest's certificates, defaults merged. */
  certificates: readonly CertificateSpec[];
  lock: LockFile;
  /** The clock: every date rule compares against this, never against the system time. */
  now: Date;
  /** RFC 9773 suggested windows by certificate name, for certificates whose CA offers ARI. */
  ariWindows?: ReadonlyMap<string, RenewalWindow>;
  /** Restrict the run to these certificate names (`--only`); the others are listed in `skipped`. */
  only?: readonly string[];
  /** Renew every selected certificate whether or not it is due (`--force`). */
  force?: boolean;
  /**
   * SPKI SHA-256 pins (the lock's `spkiSha256`) of keys that must not be used any more: compromised,
   * known-weak, or rotated out by `certops revoke`. A certificate whose key is listed falls due now
   * with reason `key-rotation`, and gets a new key even under `rotationPolicy: Never`.
   */
  retiredKeys?: ReadonlySet<string>;
}

export interface PlannedCertificate {
  name: string;
  due: boolean;
  reason: RenewalReason;
  /**
   * When the certificate falls due: its renewal point, or `now` when something other than time
   * made it due earlier (missing, spec change, retired key, forced).
   */
  renewAt: Date;
  /** Expiry of the certificate now in the lock, when there is one. */
  notAfter?: Date;
  /** Whether the renewal must generate a new private key (rotationPolicy Always, first issue, retired key). */
  rotateKey: boolean;
  /** One sentence for people: why, and how renewAt was chosen. */
  detail: string;
}

export interface RenewalPlan {
  now: Date;
  /** The selected certificates, in manifest order. */
  certificates: PlannedCertificate[];
  /** Names of the certificates that are due, in manifest order. */
  due: string[];
  /** The earliest renewal point among the certificates that are not due. */
  nextDue?: { name: string; renewAt: Date };
  /** Certificates left out by `only`. */
  skipped: string[];
  /** Lock entries whose certificate is no longer in the manifest. */
  orphaned: string[];
}

/** Lifetimes under this get the half-life default instead of the last third (short-lived certificates). */
const SHORT_LIFETIME_MS = 10 * DAY_MS;
/** The spread moves a renewal point at most this share of its renewal window earlier. */
const SPREAD_SHARE = 0.1;

/** Thrown for a selection that names certificates the manifest does not have. */
export class PlanInputError extends Error {
  override readonly name = 'PlanInputError';
}

/**
 * Decides, for each certificate, whether this run renews it and why. Pure: the same input gives
 * the same plan, so a rerun within the same window agrees with the first run.
 */
export function planRenewals(input: PlanInput): RenewalPlan {
  const { now } = input;
  const selected = selectCertificates(input.certificates, input.only);
  const certificates = selected.map((spec) => planOne(spec, input));
  let nextDue: RenewalPlan['nextDue'];
  for (const c of certificates) {
    if (!c.due && (!nextDue || c.renewAt.getTime() < nextDue.renewAt.getTime())) nextDue = { name: c.name, renewAt: c.renewAt };
  }
  const selectedNames = new Set(selected.map((s) => s.name));
  const manifestNames = new Set(input.certificates.map((s) => s.name));
  return {
    now,
    certificates,
    due: certificates.filter((c) => c.due).map((c) => c.name),
    ...(nextDue ? { nextDue } : {}),
    skipped: input.certificates.filter((s) => !selectedNames.has(s.name)).map((s) => s.name),
    orphaned: Object.keys(input.lock.certificates).filter((n) => !manifestNames.has(n)).sort(),
  };
}

function selectCertificates(all: readonly CertificateSpec[], only: readonly string[] | undefined): readonly CertificateSpec[] {
  if (!only || only.length === 0) return all;
  const names = all.map((s) => s.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    const hints = unknown.map((n) => {
      const close = didYouMean(n, names);
      return close ? `"${n}" (did you mean "${close}"?)` : `"${n}"`;
    });
    throw new PlanInputError(`--only names ${unknown.length === 1 ? 'a certificate' : 'certificates'} not in the manifest: ${hints.join(', ')}. Known certificates: ${names.join(', ') || '(none)'}.`);
  }
  const wanted = new Set(only);
  return all.filter((s) => wanted.has(s.name));
}

function planOne(spec: CertificateSpec, input: PlanInput): PlannedCertificate {
  const { now } = input;
  const entry = input.lock.certificates[spec.name];
  const alwaysNewKey = spec.privateKey.rotationPolicy === 'Always';
  if (!entry) {
    return { name: spec.name, due: true, reason: 'missing', renewAt: now, rotateKey: true, detail: 'not issued yet: no entry in the lock file' };
  }
  const notBefore = parseDate(entry.notBefore);
  const notAfter = parseDate(entry.notAfter);
  if (!notBefore || !notAfter || notAfter.getTime() <= notBefore.getTime()) {
    return { name: spec.name, due: true, reason: 'missing', renewAt: now, rotateKey: alwaysNewKey, detail: `the lock entry has no usable validity period (notBefore ${entry.notBefore}, notAfter ${entry.notAfter}); issuing again` };
  }

  const point = renewalPoint(spec, entry, notBefore, notAfter, input.ariWindows?.get(spec.name));
  const timeDue = now.getTime() >= point.at.getTime();
  const expired = now.getTime() >= notAfter.getTime();
  const retired = input.retiredKeys?.has(entry.spkiSha256) === true;
  const changed = entry.specHash !== specHash(spec);
  const forced = input.force === true;
  // Time can make it due earlier than the other reasons; otherwise it fell due now.
  const dueNow = new Date(Math.min(now.getTime(), point.at.getTime()));
  const base = { name: spec.name, notAfter };
  const expiry = expired ? `expired ${formatDuration(now.getTime() - notAfter.getTime())} ago` : `expires ${iso(notAfter)}`;

  if (changed) {
    return { ...base, due: true, reason: 'spec-changed', renewAt: dueNow, rotateKey: alwaysNewKey || retired, detail: `certificates.yaml changed since it was issued (lock ${short(entry.specHash)}, manifest ${short(specHash(spec))}); ${expiry}` };
  }
  if (retired) {
    return { ...base, due: true, reason: 'key-rotation', renewAt: dueNow, rotateKey: true, detail: `its key (SPKI sha256 ${entry.spkiSha256}) is retired; a new key is generated whatever the rotationPolicy; ${expiry}` };
  }
  if (timeDue) {
    return { ...base, due: true, reason: point.ari ? 'ari-window' : 'expiring', renewAt: point.at, rotateKey: alwaysNewKey, detail: expired ? `${expiry}; ${point.why}` : `${point.why}; ${expiry}` };
  }
  if (forced) {
    return { ...base, due: true, reason: 'forced', renewAt: now, rotateKey: alwaysNewKey, detail: `forced; it would have been due ${iso(point.at)} (${point.why})` };
  }
  return { ...base, due: false, reason: 'not-due', renewAt: point.at, rotateKey: alwaysNewKey, detail: `due ${iso(point.at)}: ${point.why}; ${expiry}` };
}

interface RenewalPoint {
  at: Date;
  /** Set when the CA's ARI window chose the point. */
  ari: boolean;
  why: string;
}

/**
 * When the issued certificate should be renewed. The rule sits here, beside the fields it reads:
 * - an ARI window from the CA wins: a stable point inside [start, end);
 * - else `renewBefore` before notAfter;
 * - else `renewBeforePercentage` of the issued lifetime before notAfter;
 * - else when a third of the lifetime is left (half for lifetimes under 10 days, where a third
 *   leaves too little time to retry a failed renewal);
 * then, for the last three, the spread moves the point a little earlier.
 * The lifetime is the issued certificate's (notAfter - notBefore), not the requested duration:
 * CAs cap and round durations, and the renewal has to fit what was really issued.
 */
function renewalPoint(spec: CertificateSpec, entry: LockEntry, notBefore: Date, notAfter: Date, window: RenewalWindow | undefined): RenewalPoint {
  const ari = window ? ariPoint(spec.name, window, notAfter) : undefined;
  if (ari) return ari;
  const ignoredAri = window ? `; the ARI window ${iso(window.start)}..${iso(window.end)} was ignored (${window.end.getTime() <= window.start.getTime() ? 'empty' : 'its point falls after expiry'})` : '';

  const lifetime = notAfter.getTime() - notBefore.getTime();
  let before: number;
  let why: string;
  if (spec.renewBeforeMs !== undefined && spec.renewBeforeMs > 0 && spec.renewBeforeMs < lifetime) {
    before = spec.renewBeforeMs;
    why = `renewBefore ${spec.renewBefore ?? formatDuration(before)} before expiry`;
  } else if (spec.renewBeforePercentage !== undefined && spec.renewBeforePercentage > 0 && spec.renewBeforePercentage < 100) {
    before = (lifetime * spec.renewBeforePercentage) / 100;
    why = `renewBeforePercentage ${spec.renewBeforePercentage}% of the ${formatDuration(lifetime)} lifetime before expiry`;
  } else {
    const share = lifetime < SHORT_LIFETIME_MS ? 2 : 3;
    before = lifetime / share;
    const ignored = spec.renewBeforeMs !== undefined ? ` (renewBefore ${spec.renewBefore ?? formatDuration(spec.renewBeforeMs)} is not shorter than the ${formatDuration(lifetime)} lifetime, so it was ignored)` : '';
    why = `1/${share} of the ${formatDuration(lifetime)} lifetime left${ignored}`;
  }
  // Earlier, never later: renewBefore is a promise about the least time left at renewal, and a
  // later point would break it. Earlier only costs a little of the certificate's lifetime.
  const spread = Math.floor(before * SPREAD_SHARE * stableFraction(`${spec.name}\0${entry.serial}`));
  const at = new Date(notAfter.getTime() - before - spread);
  return { at, ari: false, why: `${why}, ${formatDuration(spread)} earlier for spread${ignoredAri}` };
}

/**
 * RFC 9773 asks for a uniformly random point in the window so that clients do not all renew at its
 * start. Deriving it from the name and the window, instead of Math.random, keeps it stable: a rerun
 * (or the `--dry-run` before it) sees the same point until the CA moves the window.
 */
function ariPoint(name: string, window: RenewalWindow, notAfter: Date): RenewalPoint | undefined {
  const start = window.start.getTime();
  const end = window.end.getTime();
  if (!(end > start)) return undefined;
  const at = start + Math.floor((end - start) * stableFraction(`${name}\0${window.start.toISOString()}\0${window.end.toISOString()}`));
  // A window that puts renewal after expiry cannot be right; fall back to our own rule.
  if (at >= notAfter.getTime()) return undefined;
  const more = window.explanationURL ? ` (${window.explanationURL})` : '';
  return { at: new Date(at), ari: true, why: `the CA's ARI window ${iso(window.start)}..${iso(window.end)} puts it at ${iso(new Date(at))}${more}` };
}

/** A number in [0, 1) from a hash of the text: stable across runs and machines. */
export function stableFraction(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  // 48 bits: exact in a double, and plenty of resolution for milliseconds over months.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

function parseDate(text: string): Date | undefined {
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function iso(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

function short(hash: string): string {
  return hash.replace(/^sha256:/, '').slice(0, 12);
}
