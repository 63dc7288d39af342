import { execFileSync } from 'node:child_process';

/** Files under a directory at a git revision, with their contents; never the working tree. */
export function readDirAtRevision(root: string, rev: string, dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const names = git(root, ['ls-tree', '-r', '-z', '--name-only', rev, '--', dir]).split('\0').filter(Boolean);
  for (const name of names) files.set(name, git(root, ['show', `${rev}:${name}`]));
  return files;
}

/** Resolves a revision to its commit id; throws with a clear message when it does not exist. */
export function resolveRevision(root: string, rev: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).trim();
  } catch {
    throw new Error(`git revision "${rev}" does not exist in ${root}; fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin ${rev}).`);
  }
}

/** Paths changed between two revisions (or a revision and the working tree when `to` is omitted). */
export function changedPaths(root: string, from: string, to?: string, under?: string): string[] {
  const args = ['diff', '--name-only', '-z', from];
  if (to) args.push(to);
  if (under) args.push('--', under);
  return git(root, args).split('\0').filter(Boolean);
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A file's bytes at a revision, or undefined when the revision or the path does not exist. */
export function readFileAtRevision(root: string, rev: string, path: string): Buffer | undefined {
  try {
    return execFileSync('git', ['show', `${rev}:${path}`], { cwd: root, maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}
