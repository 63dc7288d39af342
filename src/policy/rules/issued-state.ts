import { X509Certificate } from 'node:crypto';
import type { LockEntry } from '../../manifest/lock-file.js';
import type { CertificateSpec } from '../../manifest/types.js';
import { normalizeIp } from '../../pki/ip.js';
import { keyKind, normalizeSerial, oneLineDn, parseSubjectAltName } from '../../pki/certificate-info.js';
import { parsePem } from '../../pki/pem.js';
import { specHash } from '../../manifest/spec-hash.js';
import { staysInRepo } from '../../repo/repo-path.js';
import type { Link } from '../certificate-examiner.js';
import { caCertificatePath, readCaCertificate, type Examined } from '../file-facts.js';
import { selects } from '../select.js';
import type { LintContext, Rule, RuleFinding } from '../types.js';
import { fieldLocation } from './locate.js';
import { noParameters } from './params.js';

const caCache = new WeakMap<LintContext, Map<string, X509Certificate | null>>();

function caCertificate(ctx: LintContext, path: string): X509Certificate | null {
  let cache = caCache.get(ctx);
  if (!cache) caCache.set(ctx, (cache = new Map()));
  if (!cache.has(path)) cache.set(path, readCaCertificate(ctx.repo, path));
  return cache.get(path)!;
}

/** What one run shares between entries: CA fingerprints, candidate indexes. */
interface RunState {
  fingerprints: Map<X509Certificate, string>;
  /** Candidate index by DER (latin1), per candidate list. */
  indexes: WeakMap<readonly Buffer[], Map<string, number>>;
}

const runStates = new WeakMap<LintContext, RunState>();

function runState(ctx: LintContext): RunState {
  let state = runStates.get(ctx);
  if (!state) runStates.set(ctx, (state = { fingerprints: new Map(), indexes: new WeakMap() }));
  return state;
}

function fingerprint(state: RunState, cert: X509Certificate): string {
  let fp = state.fingerprints.get(cert);
  if (fp === undefined) state.fingerprints.set(cert, (fp = cert.fingerprint256));
  return fp;
}

/** A check the examiner could not run here throws now, where the rule always threw it. */
function holds(link: Link): boolean {
  if (typeof link === 'string') throw new Error(link);
  return link;
}

/** The index of the CA among the candidates the facts were examined against, or -1. */
function candidateIndex(state: RunState, examined: Examined, ca: X509Certificate): number {
  let indexes = state.indexes.get(examined.candidates);
  if (!indexes) {
    indexes = new Map();
    // The first of equal candidates, as the examiner's lastIs counts them.
    examined.candidates.forEach((der, i) => {
      const key = der.toString('latin1');
      if (!indexes!.has(key)) indexes!.set(key, i);
    });
    state.indexes.set(examined.candidates, indexes);
  }
  return indexes.get(ca.raw.toString('latin1')) ?? -1;
}

/** The chain in `text`, parsed here: only for what the examiner was not asked (its CA was not a candidate) and for messages. */
function chainOf(text: string): X509Certificate[] {
  return parsePem(text)
    .filter((b) => b.label === 'CERTIFICATE')
    .map((b) => new X509Certificate(b.der));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

/** Checks one lock entry against its files and spec; parsing and signatures are the examiner's (src/policy/certificate-examiner.ts). */
function checkEntry(ctx: LintContext, cert: CertificateSpec, entry: LockEntry): RuleFinding[] {
  const out: RuleFinding[] = [];
  const lockAt = (field?: string): Omit<RuleFinding, 'message'> => {
    const pointer = `/certificates/${cert.name}${field ? `/${field}` : ''}`;
    const pos = ctx.lockPositions?.value(pointer) ?? ctx.lockPositions?.key(`/certificates/${cert.name}`) ?? { line: 1, column: 1 };
    return { certificate: cert.name, file: ctx.lockFile, line: pos.line, column: pos.column, path: pointer };
  };
  const fileAt = (file: string): Omit<RuleFinding, 'message'> => ({ certificate: cert.name, file, line: 1, column: 1 });

  // A path out of the repository is not read (it could name anything on the runner); the other checks still run.
  const outside = (field: 'certificate' | 'key', path: string) =>
    out.push({ ...lockAt(field), message: `The lock file names ${path} as the ${field} file of ${cert.name}, outside the repository: certops reads nothing there. Reissue with certops renew --only ${cert.name}.` });
  const examined = staysInRepo(entry.certificate) ? ctx.files.chain(entry.certificate) : null;
  if (examined === null) outside('certificate', entry.certificate);
  else if (examined === undefined) {
    out.push({ ...lockAt('certificate'), message: `${entry.certificate} is missing: the lock file references it for ${cert.name}. Run certops renew --only ${cert.name} to reissue.` });
  } else {
    const state = runState(ctx);
    const caPath = caCertificatePath(ctx.manifest, cert.issuer);
    const ca = caPath ? caCertificate(ctx, caPath) : null;
    const { facts } = examined;
    if (facts.parseError !== undefined) out.push({ ...fileAt(entry.certificate), message: `${entry.certificate} does not parse as a certificate: ${facts.parseError}.` });
    if (facts.blocks === 0) out.push({ ...fileAt(entry.certificate), message: `${entry.certificate} holds no PEM CERTIFICATE block.` });
    const leaf = facts.leaf;
    if (leaf || facts.keyError !== undefined) {
      const mismatch = (what: string, field: string, actual: string, expected: string) =>
        out.push({ ...lockAt(field), message: `${what} of ${entry.certificate} is ${actual} but the lock file says ${expected}: the file and the lock disagree. Reissue with certops renew --only ${cert.name}.` });
      // A public key OpenSSL could not decode made reading it throw; it still does, at the same point.
      if (!leaf) throw new Error(facts.keyError);
      const serial = normalizeSerial(leaf.serialNumber);
      if (serial !== normalizeSerial(entry.serial)) mismatch('The serial', 'serial', serial, entry.serial);
      if (leaf.sha256 !== entry.sha256) mismatch('The SHA-256 fingerprint', 'sha256', leaf.sha256, entry.sha256);
      if (leaf.spkiSha256 !== entry.spkiSha256) mismatch('The public key pin', 'spkiSha256', leaf.spkiSha256, entry.spkiSha256);
      const notBefore = new Date(leaf.validFrom);
      const notAfter = new Date(leaf.validTo);
      if (Math.abs(notBefore.getTime() - Date.parse(entry.notBefore)) >= 1000) mismatch('notBefore', 'notBefore', notBefore.toISOString(), entry.notBefore);
      if (Math.abs(notAfter.getTime() - Date.parse(entry.notAfter)) >= 1000) mismatch('notAfter', 'notAfter', notAfter.toISOString(), entry.notAfter);
      if (notAfter.getTime() <= ctx.now.getTime()) {
        out.push({ ...lockAt('notAfter'), message: `${cert.name} expired on ${notAfter.toISOString()}. Run certops renew --only ${cert.name} now.` });
      }

      const san = parseSubjectAltName(leaf.subjectAltName ?? '');
      const specIps = cert.ipAddresses.map(normalizeIp);
      if (!sameSet(san.dnsNames.map((n) => n.toLowerCase()), cert.dnsNames.map((n) => n.toLowerCase())) || !sameSet(san.ipAddresses.map(normalizeIp), specIps)) {
        out.push({
          ...fieldLocation(ctx, cert, 'dnsNames'),
          severity: 'notice',
          message: `${entry.certificate} covers [${[...san.dnsNames, ...san.ipAddresses].join(', ')}] but the spec asks for [${[...cert.dnsNames, ...cert.ipAddresses].join(', ')}]; the next renew run reissues it.`,
        });
      }
      const actual = keyKind(leaf.keyType, leaf);
      if (actual.algorithm !== cert.privateKey.algorithm || actual.size !== cert.privateKey.size) {
        out.push({
          ...fieldLocation(ctx, cert, 'privateKey'),
          severity: 'notice',
          message: `${entry.certificate} has a ${actual.algorithm}${actual.size ? ` ${actual.size}` : ''} key but the spec asks for ${cert.privateKey.algorithm}${cert.privateKey.size ? ` ${cert.privateKey.size}` : ''}; the next renew run reissues it.`,
        });
      }

      if (caPath && ca) {
        const problem = chainProblem(state, examined, () => ctx.repo.readText(entry.certificate) ?? '', ca, ctx.now);
        if (problem) out.push({ ...fileAt(entry.certificate), message: `The chain in ${entry.certificate} does not verify to ${caPath}: ${problem}.` });
      }
    }
  }

  const key = staysInRepo(entry.key) ? ctx.files.scan(entry.key) : null;
  if (key === null) outside('key', entry.key);
  else if (key === undefined) out.push({ ...lockAt('key'), message: `${entry.key} is missing: without it ${cert.name} cannot be deployed. Reissue with certops renew --only ${cert.name}.` });
  else if (!key.age) out.push({ ...fileAt(entry.key), message: `${entry.key} is not an age-encrypted file. Private keys must be age-encrypted to the manifest's recipients.` });

  const retired = ctx.manifest.retiredKeys.find((k) => k.spkiSha256 === entry.spkiSha256);
  if (retired) {
    out.push({ ...lockAt('spkiSha256'), severity: 'warning', message: `The key of ${cert.name} is retired in certificates.yaml (${retired.reason}). Run certops renew --only ${cert.name} now: it is reissued with a new key whatever its rotationPolicy.` });
  }
  if (entry.issuer !== cert.issuer || entry.specHash !== specHash(cert)) {
    out.push({ ...lockAt('specHash'), severity: 'notice', message: `The spec of ${cert.name} changed since it was issued; the next renew run reissues it.` });
  }
  return out;
}

/**
 * Walks leaf -> intermediates -> CA: each certificate signed by the next, the last by the CA.
 * The links were checked by the examiner (facts.links, facts.caLinks) when it had this CA.
 */
function chainProblem(state: RunState, examined: Examined, text: () => string, ca: X509Certificate, now: Date): string | undefined {
  const { facts } = examined;
  const c = candidateIndex(state, examined, ca);
  let chain: X509Certificate[] | undefined;
  const parsed = () => (chain ??= chainOf(text()));
  const length = facts.blocks;
  let path = length;
  // A chain file may include the root itself; it verifies the same way.
  if (length > 1 && (c >= 0 ? facts.lastIs === c : parsed()[length - 1]!.fingerprint256 === fingerprint(state, ca))) path--;
  for (let i = 0; i < path; i++) {
    // With the path shortened, the certificate after it is the CA itself (same fingerprint, same DER), so links[i] stands for that link.
    let signed: boolean;
    if (i + 1 < length) signed = holds(facts.links![i]!);
    else if (c >= 0) signed = holds(facts.caLinks![c]!);
    else {
      const last = parsed()[i]!;
      signed = last.checkIssued(ca) && last.verify(ca.publicKey);
    }
    if (!signed) {
      const issuer = i + 1 < path ? parsed()[i + 1]! : ca;
      return `certificate ${i + 1} (${oneLineDn(parsed()[i]!.subject)}) is not signed by ${oneLineDn(issuer.subject)}`;
    }
  }
  if (new Date(ca.validTo).getTime() <= now.getTime()) return `the CA certificate expired on ${new Date(ca.validTo).toISOString()}`;
  return undefined;
}

export const issuedStateRule: Rule = {
  id: 'issued-state',
  summary: 'The lock file, the certificate files and the spec agree, and nothing has expired.',
  help: 'The lock file is written by certops only. When it and certs/ disagree, reissue with `certops renew --only <name>` instead of editing either by hand.',
  scope: 'repository',
  validate: noParameters,
  check(ctx, _config, policy) {
    const out: RuleFinding[] = [];
    const names = new Set(ctx.manifest.certificates.map((c) => c.name));
    for (const cert of ctx.manifest.certificates) {
      if (!selects(policy.select, cert)) continue;
      const entry = ctx.lock.certificates[cert.name];
      if (entry) out.push(...checkEntry(ctx, cert, entry));
      else out.push({ ...fieldLocation(ctx, cert, 'name'), severity: 'notice', message: `${cert.name} has not been issued yet; the next renew run issues it.` });
    }
    for (const name of Object.keys(ctx.lock.certificates)) {
      if (names.has(name)) continue;
      const pos = ctx.lockPositions?.key(`/certificates/${name}`) ?? { line: 1, column: 1 };
      out.push({ certificate: name, file: ctx.lockFile, ...pos, severity: 'warning', message: `The lock file holds ${name}, which certificates.yaml no longer lists. The next renew run removes it; revoke the certificate if it is no longer used.` });
    }
    return out;
  },
};
