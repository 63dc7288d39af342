import { DAY_MS } from '../manifest/duration.js';

/**
 * Where a certificate stands on its way to expiry. The three day limits are configurable; the
 * names stay fixed so the JSON schema, colours and dashboards do not depend on them.
 */
export type ExpiryStatus =
  /** notAfter has passed. */
  | 'expired'
  /** Less than `critical` days left (default 7). */
  | 'critical'
  /** Less than `warning` days left (default 14). */
  | 'warning'
  /** Less than `notice` days left (default 30). */
  | 'notice'
  /** At least `notice` days left. */
  | 'ok'
  /** Declared in certificates.yaml but never issued (no lock entry with usable dates). */
  | 'not-issued';

/** Most urgent first: the order of tables, legends and counts. */
export const STATUS_ORDER: readonly ExpiryStatus[] = ['expired', 'not-issued', 'critical', 'warning', 'notice', 'ok'];

export interface Thresholds {
  /** Days: fewer left is `critical`. Default 7. */
  critical: number;
  /** Days: fewer left is `warning`. Default 14. */
  warning: number;
  /** Days: fewer left is `notice`. Default 30. */
  notice: number;
  /** Days left at which an alert (annotation, dashboard) is raised; default 30, 14, 7, 1. */
  alerts: number[];
}

export const DEFAULT_THRESHOLDS: Thresholds = { critical: 7, warning: 14, notice: 30, alerts: [30, 14, 7, 1] };

export class ThresholdError extends Error {
  override readonly name = 'ThresholdError';
}

/** Defaults merged with what was given; throws ThresholdError naming the bad value. */
export function resolveThresholds(given: Partial<Thresholds> = {}): Thresholds {
  // Fixed keys in a fixed order: the thresholds are written into expiry.json as they are.
  const t: Thresholds = {
    critical: given.critical ?? DEFAULT_THRESHOLDS.critical,
    warning: given.warning ?? DEFAULT_THRESHOLDS.warning,
    notice: given.notice ?? DEFAULT_THRESHOLDS.notice,
    alerts: [...(given.alerts ?? DEFAULT_THRESHOLDS.alerts)],
  };
  for (const key of ['critical', 'warning', 'notice'] as const) {
    if (!Number.isFinite(t[key]) || t[key] <= 0) throw new ThresholdError(`threshold ${key} must be a positive number of days, not ${String(t[key])}.`);
  }
  if (!(t.critical < t.warning && t.warning < t.notice)) {
    throw new ThresholdError(`thresholds must grow: critical (${t.critical}) < warning (${t.warning}) < notice (${t.notice}) days.`);
  }
  for (const a of t.alerts) if (!Number.isFinite(a) || a <= 0) throw new ThresholdError(`alert thresholds must be positive numbers of days, not ${String(a)}.`);
  t.alerts = [...new Set(t.alerts)].sort((a, b) => b - a);
  return t;
}

/** `critical,warning,notice` in days, as the CLI and the report action take them. */
export function parseThresholdList(text: string): Pick<Thresholds, 'critical' | 'warning' | 'notice'> {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || p <= 0)) {
    throw new ThresholdError(`thresholds must be three positive day counts, critical,warning,notice (e.g. 7,14,30); got "${text}".`);
  }
  return { critical: parts[0]!, warning: parts[1]!, notice: parts[2]! };
}

/** Whole days left, rounded down: 0.5 days left is 0, half a day past expiry is -1. */
export function daysLeft(notAfterMs: number, nowMs: number): number {
  return Math.floor((notAfterMs - nowMs) / DAY_MS);
}

export function statusOf(notAfterMs: number, nowMs: number, t: Thresholds): Exclude<ExpiryStatus, 'not-issued'> {
  const left = notAfterMs - nowMs;
  if (left <= 0) return 'expired';
  if (left < t.critical * DAY_MS) return 'critical';
  if (left < t.warning * DAY_MS) return 'warning';
  if (left < t.notice * DAY_MS) return 'notice';
  return 'ok';
}

/**
 * The alert threshold a certificate has crossed: the smallest configured number of days it has
 * fewer than left, 0 once it has expired; undefined when it is above every threshold.
 */
export function alertThreshold(notAfterMs: number, nowMs: number, alerts: readonly number[]): number | undefined {
  const left = notAfterMs - nowMs;
  if (left <= 0) return 0;
  let crossed: number | undefined;
  for (const a of alerts) if (left < a * DAY_MS && (crossed === undefined || a < crossed)) crossed = a;
  return crossed;
}

/** `< 7 d`, `expired`: the bucket as people read it. */
export function statusLabel(status: ExpiryStatus, t: Thresholds): string {
  switch (status) {
    case 'critical':
      return `< ${t.critical} d`;
    case 'warning':
      return `< ${t.warning} d`;
    case 'notice':
      return `< ${t.notice} d`;
    case 'not-issued':
      return 'not issued';
    default:
      return status;
  }
}

/** A coloured mark GitHub renders in Markdown, so a long table can be scanned by colour. */
export const STATUS_EMOJI: Record<ExpiryStatus, string> = {
  expired: '🔴',
  'not-issued': '⚪',
  critical: '🟠',
  warning: '🟡',
  notice: '🔵',
  ok: '🟢',
};

/** Fill colours for the SVG (GitHub's Primer palette: readable on the white background the chart draws). */
export const STATUS_COLOUR: Record<ExpiryStatus, string> = {
  expired: '#cf222e',
  'not-issued': '#8c959f',
  critical: '#e16f24',
  warning: '#d4a72c',
  notice: '#0969da',
  ok: '#1a7f37',
};
