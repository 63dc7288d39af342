import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createSafeReader } from './safe-read.js';

/** Read access to a repository's files, by repository-relative path with `/` separators. */
export interface RepoFiles {
  /** The repository's root directory. */
  root: string;
  read(path: string): Buffer | undefined;
  readText(path: string): string | undefined;
  /** Every file that belongs to the repository (tracked and untracked, less what .gitignore excludes). */
  list(): string[];
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/**
 * The working tree of a repository. Listing asks git (so .gitignore is honoured); outside a
 * git checkout it walks the directory. Reads go through createSafeReader: a path that leaves
 * the repository (`../x`, `/etc/x`) or passes a symbolic link reads as missing, since paths come
 * from files a pull request can change.
 */
export function workingTree(root: string): RepoFiles {
  let listed: string[] | undefined;
  const reader = createSafeReader({ fs, path, root });
  return {
    root,
    read: (p) => reader.read(p),
    readText: (p) => reader.read(p)?.toString('utf8'),
    list: () => (listed ??= listFiles(root)),
  };
}

/** Files up to this size are kept by a read cache; larger ones are read again when asked for again. */
const CACHED_FILE_BYTES = 1024 * 1024;
/** What a read cache holds at most: enough for the certificate files of a very large repository. */
const CACHED_TOTAL_BYTES = 64 * 1024 * 1024;

/**
 * A view of `files` that keeps what it reads, so checks that look at the same file (the
 * issued-state rule reads each certificate, the plaintext-key scan reads every file) read it from
 * disk once. A snapshot for one run: changes made on disk after a file was read are not seen, and
 * callers share the returned buffers, so they must not modify them.
 */
export function withReadCache(files: RepoFiles): RepoFiles {
  const cache = new Map<string, Buffer>();
  let total = 0;
  const read = (p: string) => {
    const hit = cache.get(p);
    if (hit) return hit;
    const bytes = files.read(p);
    if (bytes && bytes.length <= CACHED_FILE_BYTES && total + bytes.length <= CACHED_TOTAL_BYTES) {
      cache.set(p, bytes);
      total += bytes.length;
    }
    return bytes;
  };
  return {
    root: files.root,
    read,
    readText: (p) => read(p)?.toString('utf8'),
    list: () => files.list(),
  };
}

/** How a working tree is listed: tracked and untracked files, less what .gitignore excludes. */
export const LS_FILES_ARGS: readonly string[] = ['ls-files', '-z', '--cached', '--others', '--exclude-standard'];

/** The file list from LS_FILES_ARGS output, however it was run. */
export function lsFilesOutput(out: string): string[] {
  return out.split('\0').filter(Boolean).sort();
}

function listFiles(root: string): string[] {
  try {
    const out = execFileSync('git', [...LS_FILES_ARGS], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return lsFilesOutput(out);
  } catch {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!SKIP_DIRS.has(entry.name)) walk(path.join(dir, entry.name));
        } else if (entry.isFile()) files.push(path.relative(root, path.join(dir, entry.name)).split(path.sep).join('/'));
      }
    };
    walk(root);
    return files.sort();
  }
}
