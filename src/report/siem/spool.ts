import { readRepoFileIfPresent, removeRepoFile, writeRepoFile } from '../../repo/confined-io.js';
import { siemJson, type SiemEvent } from './siem-event.js';

/**
 * Default spool for events a SIEM endpoint did not take. It lives in reports/ so that the
 * report job's commit carries it to the next run (a runner keeps nothing between runs); it
 * holds events only, never secrets.
 */
export const DEFAULT_SPOOL_FILE = 'reports/.siem-spool.jsonl';

/** Events waiting in a spool file, oldest first. Lines that do not parse are kept aside, never dropped. */
export function readSpool(repoDir: string, file: string): { events: SiemEvent[]; unreadable: string[] } {
  // A link there is not our spool: read as none, and replaced by the next write.
  const text = readRepoFileIfPresent(repoDir, file, { linkIsMissing: true })?.toString('utf8') ?? '';
  const events: SiemEvent[] = [];
  const unreadable: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as SiemEvent;
      if (typeof value?.id === 'string') events.push(value);
      else unreadable.push(line);
    } catch {
      unreadable.push(line);
    }
  }
  return { events, unreadable };
}

/** Replaces the spool (writeRepoFile: a crash leaves the old or the new file, never half of one); empty removes it. */
export function writeSpool(repoDir: string, file: string, events: readonly SiemEvent[], unreadable: readonly string[] = []): void {
  if (events.length === 0 && unreadable.length === 0) removeRepoFile(repoDir, file);
  else writeRepoFile(repoDir, file, [...events.map(siemJson), ...unreadable].map((l) => `${l}\n`).join(''));
}
