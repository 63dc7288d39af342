import { execFileSync } from 'node:child_process';
import { loadManifest } from '../manifest/load-manifest.js';
import { LOCK_FILE, loadLock, type LockEntry, type LockFile } from '../manifest/lock-file.js';
import type { Manifest } from '../manifest/types.js';
import { resolveRevision } from '../repo/git-revision.js';
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

/** A file's bytes at a revision; undefined when the file does not exist there. */
export function readAtRevision(repoDir: string, rev: string, path: string): Buffer | undefined {
  const listed = git(repoDir, ['ls-tree', '--name-only', rev, '--', path]).trim();
  if (listed === '') return undefined;
  // Bytes, not text: an age file may be binary.
  return execFileSync('git', ['show', `${rev}:${path}`], { cwd: repoDir, maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function readFileAtRevision(repoDir: string, rev: string, path: string): string | undefined {
  return readAtRevision(repoDir, rev, path)?.toString('utf8');
}

/**
 * The certificates to deploy for a push from `since` to the checked-out state (`lock` and
 * `manifest` as loaded from the working tree): lock entries that changed, then certificates
 * whose targets changed. Throws when `since` is not in the repository (a shallow clone: fetch
 * with depth 0) or its lock file does not parse.
 */
export function selectChanged(repoDir: string, since: string, lock: LockFile, manifest: Manifest, lockFile = LOCK_FILE): SelectedCertificate[] {
  const rev = resolveRevision(repoDir, since);
  const oldLockText = readFileAtRevision(repoDir, rev, lockFile);
  const oldLock = loadLock(oldLockText, lockFile);
  if (oldLock.findings.some((f) => f.severity === 'error') && Object.keys(oldLock.lock.certificates).length === 0 && oldLockText !== undefined) {
    throw new Error(`${lockFile} at ${since} does not parse (${oldLock.findings[0]!.message}); deploy with --all or --only instead`);
  }
  const selected: SelectedCertificate[] = changedLockEntries(oldLock.lock, lock).map((name) => ({ name, reason: 'lock-changed' }));
  const oldManifestText = readFileAtRevision(repoDir, rev, manifest.file);
  const oldManifest = oldManifestText === undefined ? undefined : loadManifest(oldManifestText, manifest.file).manifest;
  if (oldManifest) {
    for (const name of changedTargetUse(oldManifest, manifest)) {
      if (!selected.some((s) => s.name === name) && lock.certificates[name]) selected.push({ name, reason: 'targets-changed' });
    }
  }
  return selected;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}
