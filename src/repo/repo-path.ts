import { readFile } from 'node:fs/promises';
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path';

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

/**
 * The absolute path of a repository-relative path named in certificates.yaml. Paths that leave
 * the repository are refused: the manifest comes from a pull request, and nothing it names
 * should make a runner read (and then commit) a file from elsewhere on the machine.
 */
export function resolveRepoPath(repoDir: string, path: string, field: string): string {
  if (isAbsolute(path)) throw new Error(`${field}: "${path}" is absolute; give a path relative to the repository root`);
  const root = resolve(repoDir);
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${field}: "${path}" is outside the repository`);
  return full;
}

/** Reads a repository file named by the manifest; a missing file gets a message naming the field. */
export async function readRepoFile(repoDir: string, path: string, field: string): Promise<Buffer> {
  const full = resolveRepoPath(repoDir, path, field);
  try {
    return await readFile(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${field}: ${path} does not exist in the repository`);
    throw new Error(`${field}: ${path} cannot be read (${code ?? (err as Error).message})`);
  }
}
