import { colonSerial, eventType, type EventSink, type LifecycleEvent } from '../events/event.js';
import type { Finding } from '../findings.js';
import type { AcmeLogger } from '../issuers/acme/index.js';
import type { Issuer, RenewalWindow } from '../issuers/types.js';
import { LOCK_FILE, loadLock, serializeLock, type LockEntry, type LockFile } from '../manifest/lock-file.js';
import { loadManifest, MANIFEST_FILE, ManifestError } from '../manifest/load-manifest.js';
import { retiredKeyPins, type CertificateSpec, type Manifest } from '../manifest/types.js';
import { runLint, type LintResult } from '../policy/lint.js';
import { catFiles, readFileAtRevision } from '../repo/git-revision.js';
import { assertWritable, removeRepoFile, writeRepoFile } from '../repo/confined-io.js';
import { workingTree } from '../repo/repo-files.js';
import { createIssuer } from './issuer-factory.js';
import { certificatePaths, issueCertificate } from './issue-certificate.js';
import { planRenewals, type PlannedCertificate, type RenewalPlan, type RenewalReason } from './plan.js';
import { settleWithConcurrency } from './pool.js';

export interface RenewOptions {
  repoDir: string;
  now: Date;
  /** Certificates issued at once. Default 4. */
  concurrency?: number;
  /** Plan only: issue nothing, write nothing. */
  dryRun?: boolean;
  only?: string[];
  force?: boolean;
  /** age identity for keys kept in the repository (CA key, ACME account key, keys reused under rotationPolicy Never). */
  identity?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Git revisions holding the renewal branches as last pushed. Certificates one of them already
   * renewed, and that are still good, are carried over instead of issued again: a rerun before
   * the pull request is merged then changes nothing, and the CA is not asked twice.
   */
  pendingRevisions?: readonly string[];
  /** Run URL or `certops cli`, recorded in the lock and in events. */
  runUrl?: string;
  actor?: string;
  events?: EventSink;
  acmeTrustPem?: string[];
  /** Issuers by name that replace the manifest's (tests, and callers that build their own). */
  issuers?: ReadonlyMap<string, Issuer>;
  log?: (line: string) => void;
}

export interface RenewedCertificate {
  name: string;
  reason: RenewalReason;
  issuer: string;
  oldSerial?: string;
  newSerial: string;
  oldNotAfter?: string;
  newNotAfter: string;
  /** Taken from the pending renewal branch rather than issued in this run. */
  carried: boolean;
  keyReused: boolean;
}

export interface FailedCertificate {
  name: string;
  reason: RenewalReason;
  issuer: string;
  error: string;
}

export interface RenewResult {
  /** certificates.yaml as this run read it: what publishing the renewal needs (owners, reviewers). */
  manifest: Manifest;
  plan: RenewalPlan;
  renewed: RenewedCertificate[];
  failed: FailedCertificate[];
  /** Lock entries removed because certificates.yaml no longer lists them. */
  removed: string[];
  /** Repository paths written or deleted in the working tree. */
  changedPaths: string[];
  /** Problems in certificates.yaml that kept certificates out of the run. */
  manifestFindings: Finding[];
  /** Lint of the renewed state, for the pull request. Undefined on a dry run or when nothing changed. */
  lint?: LintResult;
}

/**
 * Finds what is due and renews it in the working tree: certs/<name>/cert.pem, key.pem.age and
 * certificates.lock.yaml. Publishing (branch, pull request) is the caller's next step.
 */
export async function renew(options: RenewOptions): Promise<RenewResult> {
  const log = options.log ?? (() => {});
  const repo = workingTree(options.repoDir);
  const loaded = loadManifest(repo.readText(MANIFEST_FILE) ?? '', MANIFEST_FILE);
  if (!loaded.manifest) throw new ManifestError(loaded.findings);
  const manifest = loaded.manifest;
  const manifestFindings = loaded.findings.filter((f) => f.severity === 'error');
  const lockText = repo.readText(LOCK_FILE);
  const { lock, findings: lockFindings } = loadLock(lockText, LOCK_FILE);
  if (lockFindings.length) log(`certificates.lock.yaml has problems; affected entries are issued again:\n${lockFindings.map((f) => `  line ${f.line}: ${f.message}`).join('\n')}`);

  const issuers = new IssuerCache(manifest, options);
  const ariWindows = await fetchAriWindows(manifest, lock, issuers, repo.readText, log, options.only);
  const plan = planRenewals({
    certificates: manifest.certificates,
    lock,
    now: options.now,
    ariWindows,
    retiredKeys: retiredKeyPins(manifest),
    ...(options.only ? { only: options.only } : {}),
    ...(options.force ? { force: true } : {}),
  });
  const result: RenewResult = { manifest, plan, renewed: [], failed: [], removed: [], changedPaths: [], manifestFindings };
  if (options.dryRun) return result;

  const due = plan.certificates.filter((c) => c.due);
  const pending = (options.pendingRevisions ?? []).map((rev) => carriedFrom(options.repoDir, rev, manifest, options.now, due));
  const specs = new Map(manifest.certificates.map((c) => [c.name, c]));
  const newLock: LockFile = { version: 1, certificates: { ...lock.certificates } };
  const writes = new Map<string, string>();

  const outcomes = await settleWithConcurrency(due, options.concurrency ?? 4, async (planned) => {
    const spec = specs.get(planned.name)!;
    // Before issuing: a certificate whose files cannot be written (a link on the way) must not use up an issuance.
    for (const path of Object.values(certificatePaths(spec.name))) assertWritable(options.repoDir, path);
    const carried = pending.find((p) => p.has(planned.name))?.get(planned.name);
    if (carried) return { planned, spec, ...carried, carried: true, keyReused: false };
    const issuer = await issuers.get(spec.issuer);
    const existing = lock.certificates[spec.name];
    log(`${spec.name}: issuing from ${spec.issuer} (${planned.reason}: ${planned.detail})`);
    const issued = await issueCertificate({
      spec,
      issuer,
      repoDir: options.repoDir,
      ...(existing ? { existing } : {}),
      rotateKey: planned.rotateKey,
      recipients: manifest.recipients,
      ...(options.identity ? { identity: options.identity } : {}),
      now: options.now,
      issuedBy: options.runUrl ?? 'certops cli',
      ...(existing?.ariCertId && issuer.renewalInfo ? { replaces: existing.ariCertId } : {}),
    });
    return { planned, spec, entry: issued.entry, files: issued.files, carried: false, keyReused: issued.keyReused };
  });

  const events: LifecycleEvent[] = [];
  outcomes.forEach((outcome, i) => {
    const planned = due[i]!;
    const spec = specs.get(planned.name)!;
    const old = lock.certificates[planned.name];
    if (outcome.status === 'rejected') {
      const error = describeError(outcome.reason);
      result.failed.push({ name: planned.name, reason: planned.reason, issuer: spec.issuer, error });
      log(`${planned.name}: FAILED: ${error}`);
      events.push(event('renewal_failed', spec, old, options, error));
      return;
    }
    const { entry, files, carried, keyReused } = outcome.value;
    for (const f of files) writes.set(f.path, f.content);
    newLock.certificates[planned.name] = entry;
    result.renewed.push({
      name: planned.name,
      reason: planned.reason,
      issuer: spec.issuer,
      newSerial: entry.serial,
      newNotAfter: entry.notAfter,
      ...(old ? { oldSerial: old.serial, oldNotAfter: old.notAfter } : {}),
      carried,
      keyReused,
    });
    // A carried renewal was recorded by the run that issued it.
    if (!carried) events.push(event(old ? 'renewed' : 'issued', spec, entry, options, `${planned.reason}: ${planned.detail}`));
  });
  for (const f of issuers.files) writes.set(f.path, f.content);

  // Orphans leave with their files only in a full run: --only must not touch other certificates.
  if (!options.only?.length) {
    for (const name of plan.orphaned) {
      const entry = newLock.certificates[name]!;
      delete newLock.certificates[name];
      result.removed.push(name);
      for (const p of [entry.certificate, entry.key]) {
        // The lock file comes from the repository: a path it names out of it, or through a link, is not ours to delete.
        try {
          if (removeRepoFile(options.repoDir, p, { field: `${LOCK_FILE} ${name}` })) result.changedPaths.push(p);
        } catch (error) {
          log(`${name}: ${describeError(error)}; not deleted`);
        }
      }
    }
  }

  for (const [path, content] of writes) {
    if (repo.readText(path) === content) continue;
    writeRepoFile(options.repoDir, path, content);
    result.changedPaths.push(path);
  }
  const newLockText = serializeLock(newLock);
  if (newLockText !== lockText) {
    writeRepoFile(options.repoDir, LOCK_FILE, newLockText);
    result.changedPaths.push(LOCK_FILE);
  }
  result.changedPaths.sort();
  for (const e of events) await options.events?.emit(e);
  if (result.changedPaths.length) result.lint = runLint({ repoDir: options.repoDir, now: options.now });
  return result;
}

/** One issuer per name for the whole run; a failure to build it fails each certificate that needs it. */
class IssuerCache {
  readonly files: { path: string; content: string }[] = [];
  private readonly cache = new Map<string, Promise<Issuer>>();
  constructor(
    private readonly manifest: Manifest,
    private readonly options: RenewOptions,
  ) {}

  get(name: string): Promise<Issuer> {
    let issuer = this.cache.get(name);
    if (!issuer) {
      const given = this.options.issuers?.get(name);
      const spec = this.manifest.issuers[name];
      issuer = given
        ? Promise.resolve(given)
        : spec
          ? createIssuer(name, spec, {
              repoDir: this.options.repoDir,
              ...(this.options.identity ? { identity: this.options.identity } : {}),
              recipients: this.manifest.recipients,
              env: this.options.env ?? process.env,
              ...(this.options.acmeTrustPem ? { acmeTrustPem: this.options.acmeTrustPem } : {}),
              logger: ((entry) => this.options.log?.(`issuers.${name}: ${entry.message}`)) satisfies AcmeLogger,
            }).then((setup) => {
              this.files.push(...setup.files);
              return setup.issuer;
            })
          : Promise.reject(new Error(`issuer "${name}" is not defined under issuers`));
      this.cache.set(name, issuer);
    }
    return issuer;
  }
}

/** ARI windows for certificates whose CA offers them. A CA that does not answer falls back to the schedule. */
async function fetchAriWindows(
  manifest: Manifest,
  lock: LockFile,
  issuers: IssuerCache,
  read: (path: string) => string | undefined,
  log: (line: string) => void,
  /** --only: the CA is asked about these certificates alone. */
  only: readonly string[] | undefined,
): Promise<Map<string, RenewalWindow>> {
  const windows = new Map<string, RenewalWindow>();
  await Promise.all(
    manifest.certificates.filter((spec) => !only?.length || only.includes(spec.name)).map(async (spec) => {
      const entry = lock.certificates[spec.name];
      if (!entry?.ariCertId || !manifest.issuers[spec.issuer]?.acme) return;
      const pem = read(entry.certificate);
      if (!pem) return;
      try {
        const issuer = await issuers.get(spec.issuer);
        const window = await issuer.renewalInfo?.(pem);
        if (window) windows.set(spec.name, window);
      } catch (err) {
        log(`${spec.name}: renewal information unavailable (${describeError(err)}); using the configured schedule`);
      }
    }),
  );
  return windows;
}

/**
 * What the renewal branch as pushed already holds for the due certificates: its lock, planned
 * again, says which of its renewals are still good; their files are read in one git process.
 */
function carriedFrom(repoDir: string, rev: string, manifest: Manifest, now: Date, due: readonly PlannedCertificate[]): Map<string, CarriedRenewal> {
  const carried = new Map<string, CarriedRenewal>();
  const text = readFileAtRevision(repoDir, rev, LOCK_FILE)?.toString('utf8');
  if (text === undefined) return carried;
  const { lock } = loadLock(text, LOCK_FILE);
  const pendingPlan = planRenewals({ certificates: manifest.certificates, lock, now, retiredKeys: retiredKeyPins(manifest) });
  const stillGood = new Set(pendingPlan.certificates.filter((c) => !c.due).map((c) => c.name));
  const candidates = due.flatMap((planned) => {
    const entry = lock.certificates[planned.name];
    const paths = certificatePaths(planned.name);
    if (planned.reason === 'forced' || !stillGood.has(planned.name) || !entry || entry.certificate !== paths.certificate || entry.key !== paths.key) return [];
    return [{ name: planned.name, entry, paths }];
  });
  const files = catFiles(repoDir, candidates.flatMap((c) => [`${rev}:${c.paths.certificate}`, `${rev}:${c.paths.key}`]));
  candidates.forEach((c, i) => {
    const cert = files[2 * i];
    const key = files[2 * i + 1];
    if (cert && key) carried.set(c.name, { entry: c.entry, files: [{ path: c.paths.certificate, content: cert.toString('utf8') }, { path: c.paths.key, content: key.toString('utf8') }] });
  });
  return carried;
}

interface CarriedRenewal {
  entry: LockEntry;
  files: { path: string; content: string }[];
}

function event(kind: 'issued' | 'renewed' | 'renewal_failed', spec: CertificateSpec, entry: LockEntry | undefined, options: RenewOptions, message: string): LifecycleEvent {
  return {
    timestamp: options.now.toISOString(),
    event_type: eventType(kind),
    certificate_subject: `CN=${spec.commonName ?? spec.dnsNames[0] ?? spec.name}`,
    certificate_serial: entry ? colonSerial(entry.serial) : '',
    issuer: entry?.issuerDN ?? spec.issuer,
    expiration_date: entry?.notAfter ?? '',
    deployment_status: kind === 'renewal_failed' ? 'n/a' : 'pending',
    target_systems: spec.deploy,
    certificate: spec.name,
    actor: options.actor ?? 'certops',
    run_url: options.runUrl ?? 'certops cli',
    message,
  };
}

/** One line for people, whatever was thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
