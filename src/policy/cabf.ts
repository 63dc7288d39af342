import { DAY_MS } from '../manifest/duration.js';

/**
 * CA/Browser Forum Baseline Requirements, ballot SC-081: maximum validity of a publicly trusted
 * TLS certificate by issue date. The list is ordered by date; the first entry has no start.
 */
export const CABF_VALIDITY_STEPS: readonly { from: string; maxDays: number }[] = [
  { from: '0000-01-01T00:00:00Z', maxDays: 398 },
  { from: '2026-03-15T00:00:00Z', maxDays: 200 },
  { from: '2027-03-15T00:00:00Z', maxDays: 100 },
  { from: '2029-03-15T00:00:00Z', maxDays: 47 },
];

export interface CabfCap {
  maxDays: number;
  maxMs: number;
  /** The next reduction after `at`, if any. */
  next?: { from: Date; maxDays: number };
}

/** The cap in force for a certificate issued at `at`, and the next step down. */
export function cabfCapAt(at: Date): CabfCap {
  let current = CABF_VALIDITY_STEPS[0]!;
  let next: (typeof CABF_VALIDITY_STEPS)[number] | undefined;
  for (const step of CABF_VALIDITY_STEPS) {
    if (Date.parse(step.from) <= at.getTime()) current = step;
    else {
      next = step;
      break;
    }
  }
  const cap: CabfCap = { maxDays: current.maxDays, maxMs: current.maxDays * DAY_MS };
  if (next) cap.next = { from: new Date(next.from), maxDays: next.maxDays };
  return cap;
}
