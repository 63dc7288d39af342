import { execFileSync } from 'node:child_process';

/**
 * Files under a directory at a git revision, with their contents; never the working tree. Two git
 * processes whatever the number of files: ls-tree names the blobs, one cat-file --batch prints
 * them. Throws the message of resolveRevision when the revision does not exist.
 */
export function readDirAtRevision(root: string, rev: string, dir: string): Map<string, string> {
  let listing: string;
  try {
    listing = git(root, ['ls-tree', '-r', '-z', `${rev}^{commit}`, '--', dir]);
  } catch {
    throw missingRevision(root, rev);
  }
  // "<mode> <type> <object>\t<path>", NUL-terminated.
  const blobs = listing
    .split('\0')
    .map((line) => /^\d+ blob ([0-9a-f]+)\t(.+)$/s.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ object: m[1]!, path: m[2]! }));
  const contents = catFiles(root, blobs.map((b) => b.object));
  return new Map(blobs.map((b, i) => [b.path, contents[i]!.toString('utf8')]));
}

/**
 * Objects by name (`<object id>` or `<rev>:<path>`), read by one `git cat-file --batch`
 * whatever their number; undefined for a name git does not find.
 */
export function catFiles(root: string, names: readonly string[]): (Buffer | undefined)[] {
  if (names.length === 0) return [];
  if (names.some((n) => n.includes('\n'))) throw new Error('git object names cannot hold a newline');
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: root, input: names.map((n) => `${n}\n`).join(''), maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  // Per name: "<object> <type> <size>\n", the content, "\n"; or "<name> missing\n".
  let at = 0;
  return names.map((name) => {
    const eol = out.indexOf(10, at);
    const header = out.subarray(at, eol).toString('latin1');
    at = eol + 1;
    const found = /^[0-9a-f]+ \w+ (\d+)$/.exec(header);
    if (!found) {
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) return undefined;
      throw new Error(`git cat-file gave an unexpected answer for ${name}: ${header}`);
    }
    const size = Number(found[1]);
    const content = out.subarray(at, at + size);
    at += size + 1;
    return content;
  });
}

/** Resolves a revision to its commit id; throws with a clear message when it does not exist. */
export function resolveRevision(root: string, rev: string): string {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).trim();
  } catch {
    throw missingRevision(root, rev);
  }
}

function missingRevision(root: string, rev: string): Error {
  return new Error(`git revision "${rev}" does not exist in ${root}; fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin ${rev}).`);
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
