import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { LifecycleEvent } from '../events/event.js';

/**
 * One line of the audit ledger (reports/audit.jsonl):
 *
 *   {"seq":N,"prev":"<hex>",<the LifecycleEvent's fields>,"hash":"<hex>"}
 *
 * - `seq`: the line's number, from 1. A removed or moved line shows as a gap or a step back.
 * - `prev`: SHA-256 (lower-case hex) of the previous line's exact bytes, without its newline.
 *   The first line's `prev` is GENESIS_PREV (64 zeros): nothing came before it.
 * - `hash`: SHA-256 of this line's bytes up to (not including) `,"hash":`, with `}` appended,
 *   that is of the record without `hash`. With it an edit is pinned to its own line, the last
 *   one included, where `prev` alone could only show that something between two lines changed.
 *   It is also the event's id for SIEM deliveries.
 *
 * Keys come in a fixed order (seq, prev, the SIEM schema, provenance, any other keys sorted,
 * hash) and the JSON has no spaces, so the same event always gives the same bytes.
 */
export const GENESIS_PREV = '0'.repeat(64);

/** The SIEM schema first (what a SIEM indexes), then provenance. */
export const EVENT_KEYS = [
  'timestamp',
  'event_type',
  'certificate_subject',
  'certificate_serial',
  'issuer',
  'expiration_date',
  'deployment_status',
  'target_systems',
  'certificate',
  'actor',
  'run_url',
  'commit',
  'message',
] as const;

/** Keys the ledger adds around an event; never taken from the event itself. */
const LEDGER_KEYS = new Set(['seq', 'prev', 'hash', 'id']);
const REQUIRED_STRINGS = ['timestamp', 'event_type', 'certificate', 'actor', 'run_url'] as const;
const HEX64 = /^[0-9a-f]{64}$/;
const HASH_SUFFIX_LENGTH = ',"hash":"'.length + 64 + '"}'.length;

// crypto.hash (Node 20.12+) is a one-shot digest, markedly cheaper than createHash for short texts.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/** JSON with object keys sorted at every level: for values of keys certops does not know. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The event's fields as `"key":value` pairs in ledger order; undefined fields are left out. */
export function eventMembers(event: LifecycleEvent): string[] {
  const record = event as unknown as Record<string, unknown>;
  const members: string[] = [];
  for (const key of EVENT_KEYS) if (record[key] !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  const known = new Set<string>(EVENT_KEYS);
  for (const key of Object.keys(record).sort()) {
    if (known.has(key) || LEDGER_KEYS.has(key) || record[key] === undefined) continue;
    members.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  }
  return members;
}

/** The event alone as canonical JSON (no ledger fields). */
export function canonicalEventJson(event: LifecycleEvent): string {
  return `{${eventMembers(event).join(',')}}`;
}

export interface LedgerRecord {
  seq: number;
  prev: string;
  hash: string;
  event: LifecycleEvent;
}

/** The ledger line for an event at position `seq` after a line whose digest is `prev`. */
export function ledgerLine(event: LifecycleEvent, seq: number, prev: string): { line: string; hash: string } {
  const body = `{"seq":${seq},"prev":"${prev}",${eventMembers(event).join(',')}`;
  const hash = sha256Hex(`${body}}`);
  return { line: `${body},"hash":"${hash}"}`, hash };
}

/** SHA-256 of a line's exact bytes: what the next line's `prev` must be. */
export function lineDigest(line: string): string {
  return sha256Hex(line);
}

export type ParsedLine = { ok: true; record: LedgerRecord; hashMatches: boolean } | { ok: false; problem: string };

/** Parses one line (without its newline); `hashMatches` says whether `hash` fits the line's bytes. */
export function parseLedgerLine(line: string): ParsedLine {
  if (line.trim() === '') return { ok: false, problem: 'it is empty' };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, problem: 'it is not complete JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: 'it is not a JSON object' };
  const o = value as Record<string, unknown>;
  if (!Number.isInteger(o.seq) || (o.seq as number) < 1) return { ok: false, problem: 'it has no "seq" line number' };
  if (typeof o.prev !== 'string' || !HEX64.test(o.prev)) return { ok: false, problem: 'it has no "prev" hash (64 hex digits)' };
  if (typeof o.hash !== 'string' || !HEX64.test(o.hash)) return { ok: false, problem: 'it has no "hash" (64 hex digits)' };
  for (const key of REQUIRED_STRINGS) if (typeof o[key] !== 'string') return { ok: false, problem: `its event has no "${key}"` };
  // The hash is the line's last member, exactly `,"hash":"<64 hex>"}`; anything else (spaces, another order) does not match.
  const at = line.length - HASH_SUFFIX_LENGTH;
  const hashMatches = at > 0 && line.startsWith(`,"hash":"${o.hash}"}`, at) && sha256Hex(`${line.slice(0, at)}}`) === o.hash;
  // The parsed object serves as the event as it is (its seq, prev and hash ride along and are
  // never written out again, see LEDGER_KEYS): copying tens of thousands of events costs memory.
  return { ok: true, record: { seq: o.seq as number, prev: o.prev as string, hash: o.hash as string, event: o as unknown as LifecycleEvent }, hashMatches };
}
