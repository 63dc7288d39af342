import { readRepoFileIfPresent, writeRepoFile } from '../../repo/confined-io.js';
import { LEDGER_FILE, readLedgerEntries } from '../ledger-file.js';
import { siemEvent, type SiemDelivery, type SiemSink } from './siem-event.js';

/** Where forwarding remembers the `hash` of the last ledger line handed to the sinks. */
export const DEFAULT_CURSOR_FILE = 'reports/.siem-cursor';

export interface ForwardOptions {
  repoDir: string;
  /** Repository-relative paths. */
  ledgerFile?: string;
  cursorFile?: string;
  sinks: readonly SiemSink[];
}

export interface ForwardResult {
  /** Ledger events handed to the sinks in this run. */
  forwarded: number;
  deliveries: SiemDelivery[];
  /** True when the remembered line was not in the ledger, so every event was sent again (receivers drop repeats by id). */
  cursorLost: boolean;
}

/**
 * Sends the ledger events appended since the last forward (by renew, deploy and lint) to the
 * sinks, with each event's ledger hash as its id. The cursor moves only after every sink has
 * taken the events (delivered, or spooled by an HTTP sink), so an event is never skipped.
 */
export async function forwardLedger(options: ForwardOptions): Promise<ForwardResult> {
  const cursorFile = options.cursorFile ?? DEFAULT_CURSOR_FILE;
  // A link at the ledger reads as missing, as the report reads it (src/repo/safe-read.ts); one at the cursor is replaced when it is written.
  const read = (p: string) => readRepoFileIfPresent(options.repoDir, p, { linkIsMissing: true })?.toString('utf8') ?? '';
  const entries = readLedgerEntries(read(options.ledgerFile ?? LEDGER_FILE));
  const cursor = read(cursorFile).trim();
  const at = cursor ? entries.findIndex((e) => e.hash === cursor) : -1;
  const cursorLost = cursor !== '' && at < 0;
  const pending = entries.slice(at + 1);
  for (const entry of pending) for (const sink of options.sinks) await sink.emit(siemEvent(entry.event, entry.hash));
  const deliveries: SiemDelivery[] = [];
  for (const sink of options.sinks) deliveries.push(await sink.flush());
  const last = entries[entries.length - 1];
  if (last && last.hash !== cursor) writeRepoFile(options.repoDir, cursorFile, `${last.hash}\n`);
  return { forwarded: pending.length, deliveries, cursorLost };
}

/** One line per thing the run must warn about: a sink that could not deliver everything, a lost cursor. */
export function undeliveredLines(result: ForwardResult): string[] {
  const lines = result.deliveries
    .filter((d) => d.error !== undefined || d.spooled > 0)
    .map((d) => `SIEM: ${d.delivered} delivered, ${d.spooled} kept for the next run${d.error ? `: ${d.error}` : ''}`);
  if (result.cursorLost) lines.push(`SIEM: the last forwarded ledger line is no longer in the ledger (was it rewritten?), so all ${result.forwarded} events were sent again; receivers drop repeats by id.`);
  return lines;
}
