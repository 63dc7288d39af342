import { loadManifest } from '../manifest/load-manifest.js';
import { LOCK_FILE, loadLock, type LockEntry, type LockFile } from '../manifest/lock-file.js';
import type { Manifest } from '../manifest/types.js';
import { readFileAtRevision, resolveRevision } from '../repo/git-revision.js';
import type { SelectedCertificate } from './types.js';

/** GitHub's `before` for a push that created the branch: there is no earlier revision. */
export function isNullRevision(rev: string): boolean {
  return /^0+$/.test(rev);
}

/** The lock fields that say which certificate and key a deploy puts in place. */
function deployedIdentity(entry: LockEntry): string {
  return JSON.stringify([entry.sha256, entry.certificate, entry.key]);
}

/**
 * Names whose lock entry is new in `after` or names another certificate or key than in
 * `before`, sorted. Provenance-only changes (issuedBy) deploy nothing; removed entries are not
 * listed (there is nothing to deploy for them).
 */
export function changedLockEntries(before: LockFile, after: LockFile): string[] {
  return Object.keys(after.certificates)
    .filter((name) => {
      const old = before.certificates[name];
      return old === undefined || deployedIdentity(old) !== deployedIdentity(after.certificates[name]!);
    })
    .sort();
}

/**
 * Names of certificates whose deploy list, or one of whose targets, differs between two
 * manifests: a merge that adds a target or moves its directory deploys there without a
 * renewal. Sorted.
 */
export function changedTargetUse(before: Manifest, after: Manifest): string[] {
  const out: string[] = [];
  for (const cert of after.certificates) {
    const old = before.certificates.find((c) => c.name === cert.name);
    if (!old) continue;
    const describe = (m: Manifest, deploy: readonly string[]) => JSON.stringify(deploy.map((t) => [t, m.targets[t] ?? null]));
    if (describe(before, old.deploy) !== describe(after, cert.deploy)) out.push(cert.name);
  }
  return out.sort();
}

/** The lock file at a revision (`since`), read once for both selecting and rolling back. */
export interface LockAtRevision {
  /** The commit id `since` resolved to. */
  rev: string;
  lock: LockFile;
}

/**
 * Reads and parses the lock file at `since`. Throws when `since` is not in the repository (a
 * shallow clone: fetch with depth 0) or its lock file does not parse.
 */
export function lockAtRevision(repoDir: string, since: string, lockFile = LOCK_FILE): LockAtRevision {
  const rev = resolveRevision(repoDir, since);
  const text = readFileAtRevision(repoDir, rev, lockFile)?.toString('utf8');
  const loaded = loadLock(text, lockFile);
  if (loaded.findings.some((f) => f.severity === 'error') && Object.keys(loaded.lock.certificates).length === 0 && text !== undefined) {
    throw new Error(`${lockFile} at ${since} does not parse (${loaded.findings[0]!.message}); deploy with --all or --only instead`);
  }
  return { rev, lock: loaded.lock };
}

/**
 * The certificates to deploy for a push from `since` to the checked-out state (`lock` and
 * `manifest` as loaded from the working tree): lock entries that changed, then certificates
 * whose targets changed. Throws as lockAtRevision does.
 */
export function selectChanged(repoDir: string, since: string, lock: LockFile, manifest: Manifest, lockFile = LOCK_FILE, atSince = lockAtRevision(repoDir, since, lockFile)): SelectedCertificate[] {
  const { rev, lock: oldLock } = atSince;
  const selected: SelectedCertificate[] = changedLockEntries(oldLock, lock).map((name) => ({ name, reason: 'lock-changed' }));
  const oldManifestText = readFileAtRevision(repoDir, rev, manifest.file)?.toString('utf8');
  const oldManifest = oldManifestText === undefined ? undefined : loadManifest(oldManifestText, manifest.file).manifest;
  if (oldManifest) {
    for (const name of changedTargetUse(oldManifest, manifest)) {
      if (!selected.some((s) => s.name === name) && lock.certificates[name]) selected.push({ name, reason: 'targets-changed' });
    }
  }
  return selected;
}
