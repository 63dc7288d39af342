import { isAbsolute, normalize, relative, sep } from 'node:path';

/**
 * A user-given path as the repository-relative, `/`-separated path lint works with: relative
 * values are taken as relative to the repository, absolute ones must lie inside it. Undefined
 * when the path leaves the repository, since lint reads nothing outside it.
 */
export function toRepoPath(value: string, repoDir: string): string | undefined {
  const rel = isAbsolute(value) ? relative(repoDir, value) : normalize(value);
  if (rel === '' || rel === '.' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/').replace(/\/+$/, '');
}

/** Whether a repository-relative path (from the manifest or the lock file) stays inside the repository. */
export function staysInRepo(path: string): boolean {
  return path !== '' && !isAbsolute(path) && toRepoPath(path, sep) !== undefined;
}
