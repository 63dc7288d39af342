import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';

/**
 * Writes, reads and removes files of a repository's working tree by repository-relative path,
 * without leaving it. The working tree is a checkout of what pull requests merged, so a
 * committed symbolic link (`certs/web -> /etc`) must not turn a write, a delete or a read of
 * `certs/web/cert.pem` into one elsewhere on the runner. So: the path must stay inside once
 * normalised; no directory on the way may be a symbolic link (missing ones are created as real
 * directories); a symbolic link at the file itself is replaced, never written through; reads open
 * with O_NOFOLLOW and take only regular files.
 */

export interface RepoWriteOptions {
  /** Permission bits of a new file (the umask applies). */
  mode?: number;
  /** Refuse to replace a file that exists (another process may have created it since a check). */
  exclusive?: boolean;
  /** Names the path in errors (a manifest field); the path itself by default. */
  field?: string;
}

/**
 * The normalised repository-relative path, or an error naming `field` when it leaves the
 * repository. `.git/` counts as outside: a lock entry naming `.git/config` must not get it
 * deleted (with the checkout's credentials) or overwritten.
 */
export function confinedPath(path: string, field = path): string {
  if (isAbsolute(path)) throw new Error(`${field}: "${path}" is absolute; give a path relative to the repository root`);
  const rel = posix.normalize(path.split('\\').join('/'));
  if (rel === '' || rel === '.' || rel === '..' || rel.startsWith('../') || rel.endsWith('/')) throw new Error(`${field}: "${path}" is outside the repository`);
  if (/^\.git(\/|$)/i.test(rel)) throw new Error(`${field}: "${path}" is inside .git, which certops never touches`);
  return rel;
}

/**
 * The absolute directory holding `rel`, after checking that every directory on the way is a real
 * one; `create` makes missing ones. Undefined when one is missing and `create` is false.
 */
function realDirectory(root: string, rel: string, field: string, create: boolean): string | undefined {
  let dir = resolve(root);
  const parts = rel.split('/').slice(0, -1);
  for (const [i, part] of parts.entries()) {
    dir = join(dir, part);
    let stat = lstatSync(dir, { throwIfNoEntry: false });
    if (!stat) {
      if (!create) return undefined;
      try {
        mkdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      stat = lstatSync(dir);
    }
    const shown = parts.slice(0, i + 1).join('/');
    if (stat.isSymbolicLink()) throw new Error(`${field}: ${shown} is a symbolic link; certops does not follow links in the repository`);
    if (!stat.isDirectory()) throw new Error(`${field}: ${shown} is not a directory`);
  }
  return dir;
}

/**
 * The checked path: `rel`, and `target` (absolute) once every directory on the way is real;
 * `target` is undefined when one is missing and `create` is false.
 */
function locate(root: string, path: string, field: string, create: true): { rel: string; dir: string; target: string };
function locate(root: string, path: string, field: string, create: boolean): { rel: string; dir?: string; target?: string };
function locate(root: string, path: string, field: string, create: boolean): { rel: string; dir?: string; target?: string } {
  const rel = confinedPath(path, field);
  const dir = realDirectory(root, rel, field, create);
  return dir === undefined ? { rel } : { rel, dir, target: join(dir, posix.basename(rel)) };
}

const SLICE = 1 << 20;

/**
 * writeSync may write less than asked (a full disk, a file size limit): go on until all is
 * written, or throw. Text is handed over as text first: encoding each slice into a Buffer of
 * our own would leave megabytes of them for the garbage collector at the peak of a large report.
 */
function writeAll(fd: number, data: string | Uint8Array): void {
  let bytes: Uint8Array;
  if (typeof data === 'string') {
    const written = writeSync(fd, data, null, 'utf8');
    if (written === Buffer.byteLength(data, 'utf8')) return;
    bytes = Buffer.from(data, 'utf8').subarray(written);
  } else bytes = data;
  while (bytes.length > 0) {
    const n = writeSync(fd, bytes);
    if (n <= 0) throw new Error('the file system took no more bytes');
    bytes = bytes.subarray(n);
  }
}

/** Slices of about a megabyte of text, never between the two halves of a surrogate pair (each half alone would encode as U+FFFD). */
export function* textSlices(text: string): Generator<string> {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + SLICE);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(start, end);
    start = end;
  }
}

/**
 * Writes a repository file through a temporary file renamed over it: a reader never sees half of
 * it and a crash leaves the old file or the new one. Text is written a megabyte at a time, since
 * encoding a report of many megabytes whole would raise the process's peak memory by as much.
 */
export function writeRepoFile(root: string, path: string, content: string | Uint8Array, options: RepoWriteOptions = {}): void {
  const field = options.field ?? path;
  const { rel, dir, target } = locate(root, path, field, true);
  const temp = join(dir, `.${posix.basename(rel)}.${randomBytes(6).toString('hex')}.tmp`);
  // A replaced file keeps its permissions (a 0600 key stays 0600), as writing in place would.
  const previous = lstatSync(target, { throwIfNoEntry: false });
  const keepMode = options.mode === undefined && previous?.isFile() ? previous.mode & 0o7777 : undefined;
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, options.mode ?? 0o666);
  try {
    try {
      if (keepMode !== undefined) fchmodSync(fd, keepMode);
      if (typeof content === 'string') for (const piece of textSlices(content)) writeAll(fd, piece);
      else writeAll(fd, content);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) {
      // link fails with EEXIST when the file exists, even if it appeared after a check: no clobbering.
      try {
        linkSync(temp, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${field}: ${rel} exists already`);
        throw err;
      }
    } else {
      // rename replaces a symbolic link at the target itself, rather than writing where it points.
      try {
        renameSync(temp, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') throw new Error(`${field}: ${rel} is a directory`);
        throw err;
      }
    }
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Throws what writeRepoFile would throw about the path itself (out of the repository, a link or a file on the way, a directory there), without writing. */
export function assertWritable(root: string, path: string, field = path): void {
  const { rel, target } = locate(root, path, field, false);
  if (target !== undefined && lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${field}: ${rel} is a directory`);
}

/**
 * Removes a repository file (a symbolic link there is removed, not what it points at), or with
 * `recursive` a directory and what it holds (links inside are removed, never followed). False
 * when there was nothing to remove.
 */
export function removeRepoFile(root: string, path: string, options: { field?: string; recursive?: boolean } = {}): boolean {
  const field = options.field ?? path;
  const { rel, target } = locate(root, path, field, false);
  if (target === undefined) return false;
  const stat = lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return false;
  if (stat.isDirectory() && !options.recursive) throw new Error(`${field}: ${rel} is a directory`);
  rmSync(target, { recursive: stat.isDirectory() });
  return true;
}

/** A repository file's bytes; a missing file, a link or what is not a regular file is an error naming `field`. */
export function readRepoFile(root: string, path: string, field = path): Buffer {
  const bytes = readRepoFileIfPresent(root, path, { field });
  if (bytes === undefined) throw new Error(`${field}: ${confinedPath(path, field)} does not exist in the repository`);
  return bytes;
}

/**
 * As readRepoFile, but a missing file (or directory on the way) is undefined rather than an
 * error; with `linkIsMissing`, so is a symbolic link at the file (for files certops owns and
 * rewrites, such as a cursor or a spool: the next write replaces the link).
 */
export function readRepoFileIfPresent(root: string, path: string, options: { field?: string; linkIsMissing?: boolean } = {}): Buffer | undefined {
  const field = options.field ?? path;
  const { rel, target } = locate(root, path, field, false);
  const stat = target === undefined ? undefined : lstatSync(target, { throwIfNoEntry: false });
  if (target === undefined || !stat || (options.linkIsMissing && stat.isSymbolicLink())) return undefined;
  if (stat.isSymbolicLink()) throw new Error(`${field}: ${rel} is a symbolic link; certops does not follow links in the repository`);
  if (!stat.isFile()) throw new Error(`${field}: ${rel} is not a regular file`);
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new Error(`${field}: ${rel} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    // Checked again on the open file: it may have been swapped since the lstat.
    if (!fstatSync(fd).isFile()) throw new Error(`${field}: ${rel} is not a regular file`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends to a repository file, creating it (and its directories) when missing; never through a link. */
export function appendRepoFile(root: string, path: string, text: string, field = path): void {
  const { rel, target } = locate(root, path, field, true);
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o666);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new Error(`${field}: ${rel} is a symbolic link; certops does not follow links in the repository`);
    throw new Error(`${field}: ${rel} cannot be written (${code ?? (err as Error).message})`);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`${field}: ${rel} is not a regular file`);
    for (const piece of textSlices(text)) writeAll(fd, piece);
  } finally {
    closeSync(fd);
  }
}

/** Whether a repository file exists (as anything: a link counts), without following links on the way. */
export function repoFileExists(root: string, path: string, field = path): boolean {
  const { target } = locate(root, path, field, false);
  return target !== undefined && lstatSync(target, { throwIfNoEntry: false }) !== undefined;
}
