import { LOCK_FILE, loadLock, type LockFile } from '../manifest/lock-file.js';
import { loadManifest, MANIFEST_FILE, ManifestError } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/types.js';
import { workingTree } from '../repo/repo-files.js';

/**
 * certificates.yaml and the lock file from the working tree, as a deploy needs them (read like
 * every repository file, see repo/safe-read.ts). Throws ManifestError when the manifest cannot be
 * used; a missing or broken lock file is an empty one, and nothing is deployed from it.
 */
export function loadDeploySources(repoDir: string): { manifest: Manifest; lock: LockFile } {
  const tree = workingTree(repoDir);
  const loaded = loadManifest(tree.readText(MANIFEST_FILE) ?? '', MANIFEST_FILE);
  if (!loaded.manifest) throw new ManifestError(loaded.findings);
  return { manifest: loaded.manifest, lock: loadLock(tree.readText(LOCK_FILE), LOCK_FILE).lock };
}
