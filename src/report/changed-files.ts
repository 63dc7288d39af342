import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { textSlices, writeRepoFile } from '../repo/confined-io.js';

/** A file the report writes: repository-relative path and its full text. */
export interface ReportFile {
  path: string;
  content: string;
}

/** Paths whose content on disk differs from `files` (or that do not exist yet), in the order given. */
export function changedFiles(repoDir: string, files: readonly ReportFile[]): string[] {
  return files.filter((f) => !sameContent(join(repoDir, ...f.path.split('/')), f.content)).map((f) => f.path);
}

/**
 * Compares sizes first, then a megabyte at a time: reading back a report of many megabytes whole
 * would double its memory for a moment, at the peak of a large run.
 */
function sameContent(path: string, content: string): boolean {
  let fd: number | undefined;
  try {
    // A link is never the same content: it is replaced by the report itself.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size !== Buffer.byteLength(content, 'utf8')) return false;
    let position = 0;
    for (const piece of textSlices(content)) {
      const expected = Buffer.from(piece, 'utf8');
      const actual = Buffer.alloc(expected.length);
      if (readSync(fd, actual, 0, actual.length, position) !== actual.length || !actual.equals(expected)) return false;
      position += actual.length;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes the files that changed and returns their paths; unchanged files are not touched, so
 * their modification times (and a commit-back) stay as they were. writeRepoFile renames a
 * temporary file over the old one: a reader never sees half a report.
 */
export function writeReportFiles(repoDir: string, files: readonly ReportFile[]): string[] {
  const changed = changedFiles(repoDir, files);
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const path of changed) writeRepoFile(repoDir, path, byPath.get(path)!.content);
  return changed;
}
