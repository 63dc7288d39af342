import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { siemJson, type SiemEvent } from './siem-event.js';

/**
 * Default spool for events a SIEM endpoint did not take. It lives in reports/ so that the
 * report job's commit carries it to the next run (a runner keeps nothing between runs); it
 * holds events only, never secrets.
 */
export const DEFAULT_SPOOL_FILE = 'reports/.siem-spool.jsonl';

/** Events waiting in a spool file, oldest first. Lines that do not parse are kept aside, never dropped. */
export async function readSpool(path: string): Promise<{ events: SiemEvent[]; unreadable: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], unreadable: [] };
    throw error;
  }
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

/** Replaces the spool (write then rename: a crash leaves the old or the new file, never half of one); empty removes it. */
export async function writeSpool(path: string, events: readonly SiemEvent[], unreadable: readonly string[] = []): Promise<void> {
  if (events.length === 0 && unreadable.length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, [...events.map(siemJson), ...unreadable].map((l) => `${l}\n`).join(''), 'utf8');
  await rename(tmp, path);
}
