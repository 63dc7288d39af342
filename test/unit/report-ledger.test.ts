import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createHash } from 'node:crypto';
import type { LifecycleEvent } from '../../src/events/event.js';
import { appendEvents, chainAfter, LEDGER_FILE, readLedgerEntries } from '../../src/report/ledger-file.js';
import { GENESIS_PREV, ledgerLine } from '../../src/report/ledger-line.js';
import { LedgerSink } from '../../src/report/ledger-sink.js';
import { verifyLedger } from '../../src/report/ledger-verify.js';

function event(n: number, over: Partial<LifecycleEvent> = {}): LifecycleEvent {
  return {
    timestamp: `2026-03-${String(n).padStart(2, '0')}T10:00:00Z`,
    event_type: 'certificate_renewed',
    certificate_subject: `CN=c${n}.example.com`,
    certificate_serial: `0${n}:AB`,
    issuer: 'CN=Test CA',
    expiration_date: '2026-06-01T00:00:00Z',
    deployment_status: 'n/a',
    target_systems: [],
    certificate: `c${n}`,
    actor: 'certops',
    run_url: `https://github.com/o/r/actions/runs/${n}`,
    ...over,
  };
}

/** A ledger of `n` events, as text. */
function ledger(n: number): string {
  return chainAfter('', Array.from({ length: n }, (_, i) => event(i + 1))).chunk;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const lines = (text: string) => text.slice(0, -1).split('\n');
const join_ = (ls: string[]) => `${ls.join('\n')}\n`;

/** Replaces a line's `hash` with the right one for its (edited) content: what a careful forger does. */
function rehash(line: string): string {
  const body = line.replace(/,"hash":"[0-9a-f]{64}"\}$/, '');
  return `${body},"hash":"${sha(`${body}}`)}"}`;
}

describe('ledger format', () => {
  it('chains each line to the SHA-256 of the previous line, starting from 64 zeros', () => {
    const ls = lines(ledger(3));
    const parsed = ls.map((l) => JSON.parse(l) as { seq: number; prev: string; hash: string });
    assert.equal(parsed[0]!.prev, GENESIS_PREV);
    assert.equal(parsed[1]!.prev, sha(ls[0]!));
    assert.equal(parsed[2]!.prev, sha(ls[1]!));
    assert.deepEqual(parsed.map((p) => p.seq), [1, 2, 3]);
    // hash covers the record without the hash field.
    assert.equal(parsed[0]!.hash, sha(`${ls[0]!.replace(/,"hash":"[0-9a-f]{64}"\}$/, '')}}`));
  });

  it('writes keys in a fixed order whatever order the event object has', () => {
    const e = event(1, { message: 'm', commit: 'abc' });
    const shuffled = Object.fromEntries(Object.entries(e).reverse()) as unknown as LifecycleEvent;
    assert.equal(ledgerLine(shuffled, 1, GENESIS_PREV).line, ledgerLine(e, 1, GENESIS_PREV).line);
    const keys = Object.keys(JSON.parse(ledgerLine(e, 1, GENESIS_PREV).line));
    assert.deepEqual(keys, ['seq', 'prev', 'timestamp', 'event_type', 'certificate_subject', 'certificate_serial', 'issuer', 'expiration_date', 'deployment_status', 'target_systems', 'certificate', 'actor', 'run_url', 'commit', 'message', 'hash']);
  });

  it('keeps unknown fields, sorted, and never takes seq/prev/hash from the event', () => {
    const e = { ...event(1), zeta: { b: 1, a: [2, { d: 1, c: 0 }] }, alpha: 'x', seq: 99, prev: 'f'.repeat(64), hash: 'e'.repeat(64) } as unknown as LifecycleEvent;
    const { line } = ledgerLine(e, 1, GENESIS_PREV);
    assert.match(line, /^\{"seq":1,"prev":"0{64}",/);
    assert.match(line, /"run_url":"[^"]+","alpha":"x","zeta":\{"a":\[2,\{"c":0,"d":1\}\],"b":1\},"hash":"[0-9a-f]{64}"\}$/);
    assert.equal(verifyLedger(`${line}\n`).ok, true);
  });
});

describe('verifyLedger', () => {
  it('accepts an intact ledger and an empty one', () => {
    const text = ledger(5);
    assert.deepEqual(verifyLedger(text), { ok: true, lines: 5, head: sha(lines(text)[4]!) });
    assert.deepEqual(verifyLedger(''), { ok: true, lines: 0 });
  });

  it('names an edited line (content changed, hash left as it was)', () => {
    const ls = lines(ledger(5));
    ls[2] = ls[2]!.replace('"actor":"certops"', '"actor":"someone-else"');
    const r = verifyLedger(join_(ls));
    assert.equal(r.ok, false);
    assert.equal(r.firstBadLine, 3);
    assert.match(r.problem!, /line 3 was edited/);
  });

  it('names an edited last line too', () => {
    const ls = lines(ledger(5));
    ls[4] = ls[4]!.replace('c5.example.com', 'evil.example.com');
    assert.equal(verifyLedger(join_(ls)).firstBadLine, 5);
  });

  it('names a line edited with a forged (recomputed) hash: the next line no longer chains to it', () => {
    const ls = lines(ledger(5));
    ls[1] = rehash(ls[1]!.replace('"certificate":"c2"', '"certificate":"c9"'));
    const r = verifyLedger(join_(ls));
    assert.equal(r.firstBadLine, 2);
    assert.match(r.problem!, /line 2 was rewritten with a recomputed hash/);
  });

  it('names a line whose prev was forged', () => {
    const ls = lines(ledger(5));
    ls[3] = ls[3]!.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'a'.repeat(64)}"`);
    assert.equal(verifyLedger(join_(ls)).firstBadLine, 4);
  });

  it('names where a line was removed', () => {
    const ls = lines(ledger(6));
    ls.splice(2, 1);
    const r = verifyLedger(join_(ls));
    assert.equal(r.firstBadLine, 3);
    assert.match(r.problem!, /line 3 of the ledger was removed/);
    const two = lines(ledger(6));
    two.splice(1, 2);
    assert.match(verifyLedger(join_(two)).problem!, /lines 2-3 of the ledger were removed/);
  });

  it('names a removed first line', () => {
    const ls = lines(ledger(3));
    ls.shift();
    assert.equal(verifyLedger(join_(ls)).firstBadLine, 1);
  });

  it('names reordered lines', () => {
    const ls = lines(ledger(5));
    [ls[1], ls[2]] = [ls[2]!, ls[1]!];
    const r = verifyLedger(join_(ls));
    assert.equal(r.firstBadLine, 2);
    assert.match(r.problem!, /reordered/);
    const moved = lines(ledger(5));
    moved.splice(1, 0, moved.pop()!);
    assert.equal(verifyLedger(join_(moved)).firstBadLine, 2);
  });

  it('names a duplicated line', () => {
    const ls = lines(ledger(4));
    ls.splice(2, 0, ls[1]!);
    const r = verifyLedger(join_(ls));
    assert.equal(r.firstBadLine, 3);
    assert.match(r.problem!, /duplicated/);
  });

  it('names a line cut off in the middle, and a missing final newline', () => {
    const text = ledger(4);
    const cut = text.slice(0, text.length - 40);
    const r = verifyLedger(cut);
    assert.equal(r.firstBadLine, 4);
    assert.match(r.problem!, /truncated/);
    const noNewline = verifyLedger(text.slice(0, -1));
    assert.equal(noNewline.firstBadLine, 4);
    assert.match(noNewline.problem!, /no newline/);
  });

  it('names an empty line', () => {
    const ls = lines(ledger(3));
    ls.splice(1, 0, '');
    assert.equal(verifyLedger(join_(ls)).firstBadLine, 2);
  });

  it('with an anchor, names lines cut from the end and a chain rewritten from scratch', () => {
    const text = ledger(6);
    const anchor = { lines: 6, head: verifyLedger(text).head!, source: 'reports/expiry.json' };
    assert.equal(verifyLedger(text, { anchor }).ok, true);
    // More lines after the anchor: appended since, fine.
    assert.equal(verifyLedger(text + chainAfter(text, [event(7)]).chunk, { anchor }).ok, true);

    const truncated = join_(lines(text).slice(0, 4));
    assert.equal(verifyLedger(truncated).ok, true, 'a prefix of a chain is a valid chain: only the anchor can tell');
    const r = verifyLedger(truncated, { anchor });
    assert.equal(r.firstBadLine, 5);
    assert.match(r.problem!, /lines 5-6 were removed \(truncated\)/);
    assert.match(r.problem!, /reports\/expiry\.json/);

    const forged = chainAfter('', Array.from({ length: 6 }, (_, i) => event(i + 1, i === 2 ? { actor: 'forger' } : {}))).chunk;
    assert.equal(verifyLedger(forged).ok, true, 'a fully recomputed chain verifies on its own');
    const f = verifyLedger(forged, { anchor });
    assert.equal(f.firstBadLine, 6);
    assert.match(f.problem!, /rewritten at or before this line/);
  });
});

describe('appendEvents and LedgerSink', () => {
  it('appends to reports/audit.jsonl, creating it, and continues the chain across calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certops-ledger-'));
    try {
      const first = await appendEvents(dir, [event(1), event(2)]);
      assert.deepEqual(first.appended.map((a) => a.line), [1, 2]);
      const second = await appendEvents(dir, [event(3)]);
      assert.equal(second.lines, 3);
      const text = readFileSync(join(dir, LEDGER_FILE), 'utf8');
      assert.equal(text, ledger(3));
      assert.equal(second.head, verifyLedger(text).head);
      assert.deepEqual(readLedgerEntries(text).map((e) => [e.line, e.event.certificate]), [[1, 'c1'], [2, 'c2'], [3, 'c3']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serialises concurrent emits from several sinks into one valid chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certops-ledger-'));
    try {
      const a = new LedgerSink(dir);
      const b = new LedgerSink(dir);
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).emit(event(i + 1))));
      const text = readFileSync(join(dir, LEDGER_FILE), 'utf8');
      assert.deepEqual(verifyLedger(text).ok, true);
      assert.equal(verifyLedger(text).lines, 20);
      assert.equal(a.written.length + b.written.length, 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never drops events after a damaged last line: they chain onto its bytes and the damage stays reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certops-ledger-'));
    try {
      const text = ledger(3);
      writeFileSync(join(dir, 'audit.jsonl'), text.slice(0, -30));
      await appendEvents(dir, [event(4)], { file: 'audit.jsonl' });
      const after = readFileSync(join(dir, 'audit.jsonl'), 'utf8');
      assert.equal(after.split('\n').length - 1, 4);
      assert.equal(readLedgerEntries(after).at(-1)!.event.certificate, 'c4');
      assert.equal(verifyLedger(after).firstBadLine, 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

