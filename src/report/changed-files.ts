import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
    fd = openSync(path, 'r');
    if (fstatSync(fd).size !== Buffer.byteLength(content, 'utf8')) return false;
    let position = 0;
    for (const piece of slices(content)) {
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
 * their modification times (and a commit-back) stay as they were. Each write goes to a temporary
 * file that is renamed over the old one: a reader never sees half a report.
 */
export function writeReportFiles(repoDir: string, files: readonly ReportFile[]): string[] {
  const changed = changedFiles(repoDir, files);
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const path of changed) {
    const abs = join(repoDir, ...path.split('/'));
    mkdirSync(dirname(abs), { recursive: true });
    const tmp = `${abs}.tmp-${process.pid}`;
    writeText(tmp, byPath.get(path)!.content);
    renameSync(tmp, abs);
  }
  return changed;
}

const CHUNK = 1 << 20;

/**
 * Writes text in slices of about a megabyte: writing a report of many megabytes in one call
 * encodes all of it into a buffer first, which raises the process's peak memory by as much.
 */
function writeText(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const piece of slices(text)) writeSync(fd, piece, null, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Slices of about CHUNK characters, never between the two halves of a surrogate pair (each half alone would encode as U+FFFD). */
function* slices(text: string): Generator<string> {
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + CHUNK);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    yield text.slice(start, end);
    start = end;
  }
}
