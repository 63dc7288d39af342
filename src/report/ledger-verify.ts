import type { LedgerEntry } from './ledger-file.js';
import { GENESIS_PREV, lineDigest, parseLedgerLine, type LedgerRecord, type ParsedLine } from './ledger-line.js';

/**
 * What an earlier, trusted look at the ledger saw: its length and the digest of its last line.
 * The hash chain cannot show lines cut off the end (what is left is still a valid chain), nor a
 * chain rewritten from some line on; comparing with an anchor can. The report keeps one in
 * expiry.json (`ledger.lines`, `ledger.head`), so each committed report anchors the next check.
 */
export interface LedgerAnchor {
  lines: number;
  /** lineDigest of line `lines`. */
  head: string;
  /** Where the anchor came from, for the message (e.g. `reports/expiry.json`). */
  source?: string;
}

export interface LedgerVerification {
  ok: boolean;
  /** Lines in the text (a last line without its newline counts). */
  lines: number;
  /** lineDigest of the last line: the anchor for the next check. Absent for an empty ledger. */
  head?: string;
  /** 1-based number of the first line that was edited, removed, reordered or truncated. */
  firstBadLine?: number;
  /** What is wrong there, in one sentence. */
  problem?: string;
}

export interface VerifyOptions {
  anchor?: LedgerAnchor;
}

interface Problem {
  line: number;
  problem: string;
}

/**
 * Checks the hash chain of an audit ledger and names the first line that does not fit:
 * - a line that is not a whole record, or the last line without its newline: truncated;
 * - a line whose `hash` does not match its bytes: edited;
 * - a `seq` that skips numbers: lines removed there; one that goes back or jumps to a line found
 *   later: reordered;
 * - a `prev` that does not match the line before it although both lines match their own `hash`:
 *   the line before was rewritten and its hash recomputed (a forged hash), so it is named;
 * - with an anchor: fewer lines than the anchor saw (truncated), or a different line where the
 *   anchor's head was (rewritten at or before it).
 */
export function verifyLedger(text: string, options: VerifyOptions = {}): LedgerVerification {
  return inspect(text, options, undefined);
}

/**
 * verifyLedger and readLedgerEntries in one pass over the text: each line is parsed once, which
 * matters for a ledger of tens of thousands of events.
 */
export function inspectLedger(text: string, options: VerifyOptions = {}): { verification: LedgerVerification; entries: LedgerEntry[] } {
  const entries: LedgerEntry[] = [];
  return { verification: inspect(text, options, entries), entries };
}

function inspect(text: string, options: VerifyOptions, entries: LedgerEntry[] | undefined): LedgerVerification {
  const terminated = text === '' || text.endsWith('\n');
  const lines = text === '' ? [] : (terminated ? text.slice(0, -1) : text).split('\n');
  const digests: string[] = [];
  const chain = checkChain(lines, terminated, digests, entries);
  const anchor = options.anchor ? checkAnchor(lines, digests, options.anchor) : undefined;
  const first = [chain, anchor].filter((p): p is Problem => p !== undefined).sort((a, b) => a.line - b.line)[0];
  const head = lines.length > 0 ? (digests[lines.length - 1] ?? lineDigest(lines[lines.length - 1]!)) : undefined;
  return {
    ok: first === undefined,
    lines: lines.length,
    ...(head ? { head } : {}),
    ...(first ? { firstBadLine: first.line, problem: first.problem } : {}),
  };
}

/** Checks line after line and returns the first problem; with `entries`, reads every record into it, past a problem too. */
function checkChain(lines: string[], terminated: boolean, digests: string[], entries: LedgerEntry[] | undefined): Problem | undefined {
  let problem: Problem | undefined;
  let seqLines: Map<number, number> | undefined;
  // Built only when a line is out of place: where each record number stands.
  const lineOfSeq = (seq: number) => {
    if (!seqLines) {
      seqLines = new Map();
      lines.forEach((l, n) => {
        const s = seqOf(l);
        if (s !== undefined) seqLines!.set(s, n + 1);
      });
    }
    return seqLines.get(seq);
  };
  for (let i = 1; i <= lines.length && (problem === undefined || entries !== undefined); i++) {
    const parsed = parseLedgerLine(lines[i - 1]!);
    if (parsed.ok && entries) entries.push({ line: i, hash: parsed.record.hash, event: parsed.record.event });
    problem ??= checkLine(lines, i, parsed, terminated, digests, lineOfSeq);
  }
  return problem;
}

function checkLine(lines: string[], i: number, parsed: ParsedLine, terminated: boolean, digests: string[], lineOfSeq: (seq: number) => number | undefined): Problem | undefined {
  const last = i === lines.length;
  if (!parsed.ok) {
    const cut = last ? ' (the file ends inside it: truncated)' : '';
    return { line: i, problem: `line ${i} is not a ledger record: ${parsed.problem}${cut}.` };
  }
  if (last && !terminated) return { line: i, problem: `line ${i} has no newline at its end: the ledger was truncated or is being written.` };
  const record: LedgerRecord = parsed.record;
  if (!parsed.hashMatches) return { line: i, problem: `line ${i} was edited: its content does not match its "hash".` };
  if (record.seq !== i) {
    const later = lineOfSeq(i);
    if (record.seq > i && (later === undefined || later < i)) {
      const gone = record.seq - i === 1 ? `line ${i}` : `lines ${i}-${record.seq - 1}`;
      return { line: i, problem: `line ${i} holds record #${record.seq} where #${i} belongs: ${gone} of the ledger ${record.seq - i === 1 ? 'was' : 'were'} removed.` };
    }
    const where = later !== undefined && later !== i ? `; #${i} is at line ${later}` : '';
    return { line: i, problem: `line ${i} holds record #${record.seq} where #${i} belongs${where}: lines were reordered${record.seq < i ? ' or duplicated' : ''}.` };
  }
  const expected = i === 1 ? GENESIS_PREV : digests[i - 2]!;
  if (record.prev !== expected) {
    if (i === 1) return { line: 1, problem: 'line 1 does not start the chain: its "prev" is not the genesis value (64 zeros), so it was forged or lines before it were removed.' };
    return { line: i - 1, problem: `line ${i - 1} was rewritten with a recomputed hash: line ${i} records a different "prev" for it (or line ${i}'s "prev" was forged).` };
  }
  digests.push(lineDigest(lines[i - 1]!));
  return undefined;
}

function checkAnchor(lines: string[], digests: string[], anchor: LedgerAnchor): Problem | undefined {
  const from = anchor.source ? ` when ${anchor.source} was written` : ' at the last check';
  if (anchor.lines <= 0) return undefined;
  if (lines.length < anchor.lines) {
    const n = lines.length + 1;
    return { line: n, problem: `the ledger ends after line ${lines.length} but had ${anchor.lines} lines${from}: line${anchor.lines - lines.length === 1 ? ` ${n} was` : `s ${n}-${anchor.lines} were`} removed (truncated).` };
  }
  const digest = digests[anchor.lines - 1] ?? lineDigest(lines[anchor.lines - 1]!);
  if (digest !== anchor.head) {
    return { line: anchor.lines, problem: `line ${anchor.lines} is not the line that was there${from}: the ledger was rewritten at or before this line.` };
  }
  return undefined;
}

function seqOf(line: string): number | undefined {
  const m = /^\{"seq":(\d+),/.exec(line);
  return m ? Number(m[1]) : undefined;
}
