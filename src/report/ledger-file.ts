import { join, resolve } from 'node:path';
import type { LifecycleEvent } from '../events/event.js';
import { appendRepoFile, readRepoFileIfPresent } from '../repo/confined-io.js';
import { GENESIS_PREV, ledgerLine, lineDigest, parseLedgerLine } from './ledger-line.js';

/** Repository path of the audit ledger. */
export const LEDGER_FILE = 'reports/audit.jsonl';

/** An event read back from the ledger, with where it stands. */
export interface LedgerEntry {
  /** 1-based line number in the ledger file. */
  line: number;
  /** The record's `hash`: the event's id for SIEM deliveries. */
  hash: string;
  event: LifecycleEvent;
}

export interface AppendOptions {
  /** Repository-relative ledger path. Default `reports/audit.jsonl`. */
  file?: string;
}

export interface AppendResult {
  /** The lines written, in order, with their line numbers and hashes. */
  appended: LedgerEntry[];
  /** Lines in the ledger after the append. */
  lines: number;
  /** lineDigest of the new last line. */
  head: string;
}

// Appends in one process go one after another, so two sinks cannot chain onto the same line.
const queues = new Map<string, Promise<unknown>>();

/**
 * Appends events to the ledger, chaining each onto the line before it. The ledger is never
 * rewritten: a damaged last line stays as it is (verifyLedger keeps reporting it) and the new
 * lines chain onto its bytes, because dropping events to keep the chain tidy would lose evidence.
 * Concurrent appends from one process are serialised; across processes, a single writer per
 * checkout is assumed (one job owns its working tree).
 */
export function appendEvents(repoDir: string, events: readonly LifecycleEvent[], options: AppendOptions = {}): Promise<AppendResult> {
  const file = options.file ?? LEDGER_FILE;
  const path = resolve(join(repoDir, ...file.split('/')));
  const run = (queues.get(path) ?? Promise.resolve()).catch(() => undefined).then(() => appendNow(repoDir, file, events));
  queues.set(path, run);
  void run.finally(() => {
    if (queues.get(path) === run) queues.delete(path);
  }).catch(() => undefined);
  return run;
}

// The ledger is a repository file: read and appended without following a link (src/repo/confined-io.ts).
function appendNow(repoDir: string, file: string, events: readonly LifecycleEvent[]): AppendResult {
  const text = readRepoFileIfPresent(repoDir, file)?.toString('utf8') ?? '';
  const { appended, lines, head, chunk } = chainAfter(text, events);
  if (chunk !== '') appendRepoFile(repoDir, file, chunk);
  return { appended, lines, head };
}

/** The text to append to `text` for `events`: the pure half of appendEvents. */
export function chainAfter(text: string, events: readonly LifecycleEvent[]): AppendResult & { chunk: string } {
  const needsNewline = text !== '' && !text.endsWith('\n');
  const body = needsNewline ? text : text.slice(0, -1);
  const existing = text === '' ? [] : body.split('\n');
  let prev = existing.length === 0 ? GENESIS_PREV : lineDigest(existing[existing.length - 1]!);
  let seq = existing.length;
  const appended: LedgerEntry[] = [];
  let chunk = needsNewline ? '\n' : '';
  for (const event of events) {
    seq++;
    const { line, hash } = ledgerLine(event, seq, prev);
    chunk += `${line}\n`;
    appended.push({ line: seq, hash, event });
    prev = lineDigest(line);
  }
  return { appended, lines: seq, head: prev, chunk };
}

/**
 * The events of a ledger text, in order. Lines that are not records are skipped (verifyLedger
 * reports them); reports built from a damaged ledger still show what can be read, next to the
 * integrity failure.
 */
export function readLedgerEntries(text: string): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const parsed = parseLedgerLine(lines[i]!);
    if (parsed.ok) entries.push({ line: i + 1, hash: parsed.record.hash, event: parsed.record.event });
  }
  return entries;
}
