import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventSink } from '../events/event.js';
import { didYouMean } from '../manifest/did-you-mean.js';
import { LOCK_FILE, type LockEntry, type LockFile } from '../manifest/lock-file.js';
import type { CertificateSpec, Manifest } from '../manifest/types.js';
import { readFileAtRevision } from '../repo/git-revision.js';
import { workingTree, type RepoFiles } from '../repo/repo-files.js';
import { isNullRevision, lockAtRevision, selectChanged, type LockAtRevision } from './changes.js';
import { errorText } from './delivery.js';
import { deployToTarget, summarize } from './deploy-target.js';
import { eventsFor, type EventCertificate } from './events.js';
import { fileLayout, layoutPaths } from './layout.js';
import { loadMaterial } from './load-material.js';
import type { DeployMaterial } from './material.js';
import { createTarget, type Target, type TargetContext } from './target.js';
import type { DeployResult, SelectedCertificate, StepRecord, TargetOutcome } from './types.js';

export interface DeployOptions {
  /** The repository's root, checked out at the commit being deployed. */
  repoDir: string;
  /** certificates.yaml as loaded from the working tree. */
  manifest: Manifest;
  /** certificates.lock.yaml as loaded from the working tree. */
  lock: LockFile;
  /** Deploy the certificates whose lock entries (or targets) changed since this git revision: a push's `before`. */
  since?: string;
  /** Deploy these certificates, whether or not they changed (overrides `since`). */
  only?: readonly string[];
  /** Deploy every certificate that has targets (overrides `since` and `only`). */
  all?: boolean;
  /** The age identity (AGE-SECRET-KEY-1..., or an identity file's content) that decrypts certs/<name>/key.pem.age. */
  identity: string;
  /** A private scratch folder (RUNNER_TEMP): temporary files go into a subfolder that is removed before this returns. */
  workDir: string;
  /** The clock: a certificate outside its validity at `now` is not deployed. */
  now: Date;
  /** Receives deployed / deploy_failed / rolled_back events. */
  events?: EventSink;
  /** One line per step, for the job log. Never receives key material. */
  log?: (line: string) => void;
  /** For events: who acted (the GitHub actor, or `certops`). */
  actor?: string;
  /** For events: the workflow run URL, or `certops cli`. */
  runUrl?: string;
  /** For events: the commit being deployed. */
  commit?: string;
  /** Resolves secret names used in targets (ssh knownHosts, identitySecret). Default: environment variables. */
  secret?: (name: string) => string | undefined;
  /** The environment commands and reloads start from. Default: process.env (less INPUT_* and anything holding the identity). */
  env?: NodeJS.ProcessEnv;
  /** The ssh program; default `ssh` from PATH. */
  sshProgram?: string;
  /** The lock file's repository path, for reading it at `since`. Default certificates.lock.yaml. */
  lockFile?: string;
}

/** Bad options (an unknown certificate in `only`, nothing selected at all): the run does not start. */
export class DeployInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployInputError';
  }
}

/**
 * Deploys the selected certificates to their targets, one certificate and one target at a time
 * (a reload per target; two certificates never reload the same server at once). One failure
 * never stops the others. The age identity decrypts each key in memory; the only files holding a
 * key outside the targets are 0600 files under `workDir` given to commands and ssh, removed before
 * this returns. Throws DeployInputError for bad options; every other problem is in the result.
 */
export async function deployCertificates(options: DeployOptions): Promise<DeployResult> {
  const log = options.log ?? (() => {});
  // The lock at `since`: selection by change and command-target rollbacks share one read.
  let known: LockAtRevision | undefined;
  const atSince = () =>
    options.since === undefined || isNullRevision(options.since) ? undefined : (known ??= lockAtRevision(options.repoDir, options.since, options.lockFile ?? LOCK_FILE));
  const selected = select(options, atSince);
  const result: DeployResult = { selected, deployed: [], unchanged: [], failed: [], rolledBack: [], skipped: [], ok: true };
  if (selected.length === 0) {
    log(options.since ? `no certificate changed since ${options.since}: nothing to deploy` : 'no certificate selected: nothing to deploy');
    return result;
  }
  log(`deploying ${selected.map((s) => `${s.name} (${s.reason})`).join(', ')}`);

  await mkdir(options.workDir, { recursive: true });
  const runDir = await mkdtemp(join(options.workDir, 'certops-deploy-'));
  const conflicts = layoutConflicts(options.manifest);
  const secrets = identitySecrets(options.identity);
  const tree = workingTree(options.repoDir);
  try {
    for (const { name } of selected) {
      let outcomes: TargetOutcome[];
      try {
        outcomes = await deployOne(name, options, tree, atSince, runDir, secrets, conflicts, log);
      } catch (err) {
        // deployOne turns every expected failure into an outcome; this is the net for the rest, so the other certificates still deploy.
        const targets = options.manifest.certificates.find((c) => c.name === name)?.deploy ?? [];
        outcomes = await report(targets.map((t) => failedPrepare(name, t, `unexpected error: ${errorText(err)}`)), undefined, options, log);
      }
      for (const outcome of outcomes) {
        if (outcome.status === 'deployed') result.deployed.push(outcome);
        else if (outcome.status === 'unchanged') result.unchanged.push(outcome);
        else {
          result.failed.push(outcome);
          if (outcome.status === 'rolled-back') result.rolledBack.push(outcome);
        }
      }
      if (outcomes.length === 0) {
        const reason = skipReason(name, options);
        result.skipped.push({ certificate: name, reason });
        log(`${name}: skipped: ${reason}`);
      }
    }
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
  result.ok = result.failed.length === 0;
  return result;
}

function select(options: DeployOptions, atSince: () => LockAtRevision | undefined): SelectedCertificate[] {
  const { manifest, lock } = options;
  const withTargets = (c: CertificateSpec) => c.deploy.length > 0;
  if (options.all) return manifest.certificates.filter(withTargets).map((c) => ({ name: c.name, reason: 'all' }));
  if (options.only && options.only.length > 0) {
    const known = manifest.certificates.map((c) => c.name);
    for (const name of options.only) {
      if (!known.includes(name)) {
        const guess = didYouMean(name, known);
        throw new DeployInputError(`certificate "${name}" is not in ${manifest.file}${guess ? `; did you mean "${guess}"?` : ''}`);
      }
    }
    return [...new Set(options.only)].map((name) => ({ name, reason: 'requested' }));
  }
  if (options.since !== undefined) {
    if (isNullRevision(options.since)) return manifest.certificates.filter(withTargets).map((c) => ({ name: c.name, reason: 'all' }));
    try {
      return selectChanged(options.repoDir, options.since, lock, manifest, options.lockFile ?? LOCK_FILE, atSince()!);
    } catch (err) {
      throw new DeployInputError(errorText(err));
    }
  }
  throw new DeployInputError('nothing selected: give since (a git revision), only (certificate names) or all');
}

function skipReason(name: string, options: DeployOptions): string {
  const spec = options.manifest.certificates.find((c) => c.name === name);
  if (!spec) return `not in ${options.manifest.file} any more; nothing is removed from its former targets`;
  if (spec.deploy.length === 0) return 'it names no deploy targets';
  return 'not issued yet (no entry in the lock file)';
}

async function deployOne(
  name: string,
  options: DeployOptions,
  tree: RepoFiles,
  atSince: () => LockAtRevision | undefined,
  runDir: string,
  secrets: readonly string[],
  conflicts: Map<string, string>,
  log: (line: string) => void,
): Promise<TargetOutcome[]> {
  const spec = options.manifest.certificates.find((c) => c.name === name);
  const entry = options.lock.certificates[name];
  if (!spec || spec.deploy.length === 0) return [];
  if (!entry) {
    // Asked for by name but never issued: that is a failure, not a silent skip.
    if (!options.only?.includes(name)) return [];
    const outcomes = spec.deploy.map((t) => failedPrepare(name, t, `${name} has not been issued yet (no entry in the lock file): run certops renew first`));
    return report(outcomes, undefined, options, log);
  }

  const started = Date.now();
  const fromLock: EventCertificate = { subject: `CN=${spec.commonName ?? spec.dnsNames[0] ?? name}`, serial: entry.serial, issuerDN: entry.issuerDN, notAfter: entry.notAfter };
  let material: DeployMaterial;
  try {
    material = await loadMaterial(name, entry, (p) => tree.read(p), options.identity, spec);
  } catch (err) {
    return report(spec.deploy.map((t) => failedPrepare(name, t, `${errorText(err)}; nothing was changed`, started)), fromLock, options, log);
  }
  const certificate: EventCertificate = { subject: material.subject, serial: material.serial, issuerDN: material.issuerDN, notAfter: material.notAfter.toISOString() };
  const problems = material.problems(options.now);
  if (problems.length > 0) {
    const detail = `${entry.certificate}: ${problems.join('; ')}; nothing was changed`;
    return report(spec.deploy.map((t) => failedPrepare(name, t, detail, started, material)), certificate, options, log);
  }
  const prepared = `read ${entry.certificate} (serial ${material.serial}, not after ${material.notAfter.toISOString()}) and decrypted ${entry.key}`;

  let previous: Promise<DeployMaterial | undefined> | undefined;
  const context: TargetContext = {
    certificate: name,
    workDir: runDir,
    env: options.env ?? process.env,
    secret: options.secret ?? ((n) => process.env[n]),
    secrets,
    previous: () => (previous ??= loadPrevious(name, options, atSince)),
  };
  if (options.sshProgram) context.sshProgram = options.sshProgram;

  const outcomes: TargetOutcome[] = [];
  for (const targetName of spec.deploy) {
    const outcome = await deployToNamedTarget(targetName, material, options, context, conflicts.get(`${targetName}\0${name}`), started, log);
    if (outcome.steps[0]?.step !== 'prepare') outcome.steps.unshift({ step: 'prepare', status: 'ok', detail: prepared, durationMs: 0 });
    outcome.message = summarize(outcome.status, outcome.steps);
    await report([outcome], certificate, options, log);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function deployToNamedTarget(
  targetName: string,
  material: DeployMaterial,
  options: DeployOptions,
  context: TargetContext,
  conflict: string | undefined,
  started: number,
  log: (line: string) => void,
): Promise<TargetOutcome> {
  const targetSpec = options.manifest.targets[targetName];
  if (!targetSpec) return failedPrepare(material.name, targetName, `target "${targetName}" is not defined under targets`, started, material);
  if (conflict) return failedPrepare(material.name, targetName, conflict, started, material);
  let target: Target;
  try {
    target = await createTarget(targetName, targetSpec, context);
  } catch (err) {
    return failedPrepare(material.name, targetName, `${errorText(err)}; nothing was changed`, started, material);
  }
  try {
    log(`${material.name} -> ${targetName}: ${target.description}`);
    return await deployToTarget(target, material, { log });
  } finally {
    await target.close();
  }
}

/** Logs each outcome and emits its events; returns the outcomes. */
async function report(outcomes: TargetOutcome[], certificate: EventCertificate | undefined, options: DeployOptions, log: (line: string) => void): Promise<TargetOutcome[]> {
  for (const outcome of outcomes) {
    log(`${outcome.certificate} -> ${outcome.target}: ${outcome.message}`);
    await emit(options, eventsFor(outcome, certificate, provenance(options), options.now), log);
  }
  return outcomes;
}

function failedPrepare(certificate: string, target: string, detail: string, started = Date.now(), material?: DeployMaterial): TargetOutcome {
  const steps: StepRecord[] = [{ step: 'prepare', status: 'failed', detail, durationMs: Date.now() - started }];
  const outcome: TargetOutcome = { certificate, target, status: 'failed', steps, message: summarize('failed', steps) };
  if (material) {
    outcome.serial = material.serial;
    outcome.sha256 = material.sha256;
    outcome.notAfter = material.notAfter.toISOString();
  }
  return outcome;
}

/** The certificate that `since` had for `name`: what a command target is rolled back to. */
async function loadPrevious(name: string, options: DeployOptions, atSince: () => LockAtRevision | undefined): Promise<DeployMaterial | undefined> {
  const known = atSince();
  const entry: LockEntry | undefined = known?.lock.certificates[name];
  if (!known || !entry || entry.sha256 === options.lock.certificates[name]?.sha256) return undefined;
  return loadMaterial(name, entry, (p) => readFileAtRevision(options.repoDir, known.rev, p), options.identity);
}

/**
 * Targets whose files would be shared by two certificates (the same paths after `{name}` is
 * filled in): deploying either would overwrite the other's files, so both fail with a message.
 * Keyed `target\0certificate`.
 */
function layoutConflicts(manifest: Manifest): Map<string, string> {
  const out = new Map<string, string>();
  for (const [targetName, spec] of Object.entries(manifest.targets)) {
    // Which certificates write each path: a map, since one target may serve thousands of certificates.
    const writers = new Map<string, string[]>();
    const pathsOf = new Map<string, string[]>();
    for (const cert of manifest.certificates) {
      if (!cert.deploy.includes(targetName)) continue;
      try {
        const paths: string[] = [];
        if (spec.files) paths.push(...Object.values(layoutPaths(fileLayout(spec.files, cert.name, 'files'))).map((p) => `local:${p}`));
        if (spec.ssh) paths.push(...Object.values(layoutPaths(fileLayout({ dir: spec.ssh.dir }, cert.name, 'ssh'))).map((p) => `ssh:${p}`));
        pathsOf.set(cert.name, paths);
        for (const path of new Set(paths)) {
          const list = writers.get(path);
          if (list) list.push(cert.name);
          else writers.set(path, [cert.name]);
        }
      } catch {
        // createTarget reports the bad layout with its field.
      }
    }
    for (const [cert, paths] of pathsOf) {
      let clash: string | undefined;
      for (const path of paths) {
        clash = writers.get(path)!.find((other) => other !== cert);
        if (clash) break;
      }
      if (clash) {
        out.set(
          `${targetName}\0${cert}`,
          `targets.${targetName} is used by ${cert} and ${clash}, and both would write the same files: put {name} in its dir or file names (dir: /etc/ssl/{name}); nothing was changed`,
        );
      }
    }
  }
  return out;
}

/**
 * The identity's key lines: what must reach no command. The lines and not the whole text, since
 * an identity file's comments (a creation date, a public key) are not secret and could match
 * harmless variables.
 */
function identitySecrets(identity: string): string[] {
  const lines = identity.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  return lines.length > 0 ? lines : [identity.trim()];
}

function provenance(options: DeployOptions) {
  const p: { actor: string; runUrl: string; commit?: string } = { actor: options.actor ?? 'certops', runUrl: options.runUrl ?? 'certops cli' };
  if (options.commit) p.commit = options.commit;
  return p;
}

async function emit(options: DeployOptions, events: ReturnType<typeof eventsFor>, log: (line: string) => void): Promise<void> {
  for (const event of events) {
    try {
      await options.events?.emit(event);
    } catch (err) {
      // A sink that fails must not turn a good deploy into a failed one; the log says so.
      log(`warning: could not record the ${event.event_type} event for ${event.certificate}: ${errorText(err)}`);
    }
  }
}
