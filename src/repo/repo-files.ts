import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Read access to a repository's files, by repository-relative path with `/` separators. */
export interface RepoFiles {
  /** The repository's root directory. */
  root: string;
  read(path: string): Buffer | undefined;
  readText(path: string): string | undefined;
  exists(path: string): boolean;
  /** Every file that belongs to the repository (tracked and untracked, less what .gitignore excludes). */
  list(): string[];
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/**
 * The working tree of a repository. Listing asks git (so .gitignore is honoured); outside a
 * git checkout it walks the directory.
 */
export function workingTree(root: string): RepoFiles {
  let listed: string[] | undefined;
  const abs = (p: string) => join(root, ...p.split('/'));
  const read = (p: string) => {
    try {
      return readFileSync(abs(p));
    } catch {
      return undefined;
    }
  };
  return {
    root,
    read,
    readText: (p) => read(p)?.toString('utf8'),
    exists: (p) => {
      try {
        return statSync(abs(p)).isFile();
      } catch {
        return false;
      }
    },
    list: () => (listed ??= listFiles(root)),
  };
}

function listFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\0').filter(Boolean).sort();
  } catch {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) {
          if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name));
        } else if (entry.isFile()) files.push(relative(root, join(dir, entry.name)).split(sep).join('/'));
      }
    };
    walk(root);
    return files.sort();
  }
}
