import type * as fs from 'node:fs';
import type * as path from 'node:path';

/** What the reader needs from Node, handed in so the same code runs in child processes as well. */
export interface SafeReadLib {
  fs: typeof fs;
  path: typeof path;
  /** The repository's root directory. */
  root: string;
}

export interface SafeReader {
  /** The file's bytes, or undefined when it is missing, not a regular file, or not safely inside the repository. */
  read(file: string): Buffer | undefined;
}

/**
 * Reads repository files without leaving the repository. Paths come from files a pull request
 * can change, so: the path must be relative and stay inside once normalised; neither the file
 * nor a directory on its way may be a symbolic link (a committed link can name anything on the
 * runner); and only a regular file is read, never a device or a FIFO, which could block or not
 * end. Directories found real are remembered for the reader's life; missing ones are not, since
 * a run may create them.
 *
 * Must stay self-contained (no imports at runtime, no module-level names): the parallel
 * examination runs its source in child processes (src/policy/parallel-examination.ts).
 */
export function createSafeReader(lib: SafeReadLib): SafeReader {
  const { fs: files, path: paths, root } = lib;
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = files.constants;
  const realDirs = new Set<string>();
  // No exception for a missing entry, which is common (a lock naming files not committed yet); other errors count as missing.
  const lstat = (rel: string) => {
    try {
      return files.lstatSync(paths.join(root, rel), { throwIfNoEntry: false });
    } catch {
      return undefined;
    }
  };
  const isRealDir = (dir: string): boolean => {
    if (dir === '' || realDirs.has(dir)) return true;
    const slash = dir.lastIndexOf('/');
    if (!isRealDir(slash === -1 ? '' : dir.slice(0, slash))) return false;
    // lstat: a symbolic link is not a directory, whatever it points at.
    if (lstat(dir)?.isDirectory() !== true) return false;
    realDirs.add(dir);
    return true;
  };
  /** The normalised relative path when it stays inside the repository and every directory on its way is real. */
  const inside = (file: string): string | undefined => {
    const rel = paths.posix.normalize(file);
    if (rel === '.' || rel === '..' || rel.startsWith('/') || rel.startsWith('../') || rel.endsWith('/')) return undefined;
    const slash = rel.lastIndexOf('/');
    return isRealDir(slash === -1 ? '' : rel.slice(0, slash)) ? rel : undefined;
  };
  return {
    read(file) {
      const rel = file === '' ? undefined : inside(file);
      if (rel === undefined) return undefined;
      let fd: number;
      try {
        fd = files.openSync(paths.join(root, rel), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch {
        return undefined;
      }
      try {
        return files.fstatSync(fd).isFile() ? files.readFileSync(fd) : undefined;
      } catch {
        return undefined;
      } finally {
        files.closeSync(fd);
      }
    },
  };
}
