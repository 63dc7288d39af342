import { DAY_MS } from '../manifest/duration.js';
import type { ExpiryEntry, ExpiryReport } from './expiry-model.js';
import { isoDay, isoMinute, xmlEscape } from './format.js';
import { STATUS_COLOUR, STATUS_ORDER, statusLabel, type ExpiryStatus, type Thresholds } from './status.js';

export interface ExpirySvgOptions {
  now: Date;
  /** Past this many certificates, rows are groups (owner or issuer) instead. Default 60. */
  maxRows?: number;
  /** What groups are made of when there are too many certificates. Default `owner`. */
  groupBy?: 'owner' | 'issuer';
}

const WIDTH = 1000;
const LABEL_WIDTH = 250;
const PLOT_LEFT = LABEL_WIDTH;
const PLOT_RIGHT = WIDTH - 24;
const PLOT_TOP = 60;
const ROW = 20;
const BAR = 12;
/** How far the axis reaches from today at most: a ten-year certificate must not squash the rest. */
const REACH_MS = 400 * DAY_MS;
const MARGIN_MS = 14 * DAY_MS;
const TEXT = '#1f2328';
const MUTED = '#59636e';
const GRID = '#d8dee4';
const TODAY = '#cf222e';
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

interface Axis {
  lo: number;
  hi: number;
  x(t: number): number;
}

/**
 * reports/expiry.svg: a timeline, hand-written SVG. One row per certificate (bar from notBefore
 * to notAfter, coloured by status; the renewal window hatched); past `maxRows` certificates, one
 * row per owner (or issuer) showing the span of its certificates and marks where they expire,
 * taller for more, so thousands of certificates still fit a screen. A white background keeps it
 * readable in GitHub's dark theme.
 */
export function renderExpirySvg(report: ExpiryReport, options: ExpirySvgOptions): string {
  const maxRows = Math.max(2, options.maxRows ?? 60);
  const today = Date.parse(`${report.date}T00:00:00Z`);
  const axis = makeAxis(report.certificates, today);
  const grouped = report.certificates.length > maxRows;
  const rows: string[] = [];
  let rowCount: number;
  let subtitle: string;
  if (grouped) {
    const groups = makeGroups(report.certificates, options.groupBy ?? 'owner', maxRows);
    const marks = groups.map((g) => buckets(g, axis));
    let tallest = 1;
    for (const list of marks) for (const m of list) tallest = Math.max(tallest, m.count);
    groups.forEach((g, i) => rows.push(groupRow(g, marks[i]!, i, axis, report.thresholds, tallest)));
    rowCount = groups.length;
    subtitle = `${report.total} certificates in ${groups.length} rows by ${options.groupBy ?? 'owner'}: bars span each group's certificates, marks show where they expire (taller: more)`;
  } else {
    report.certificates.forEach((e, i) => rows.push(certificateRow(e, i, axis, report.thresholds)));
    rowCount = report.certificates.length;
    subtitle = `${report.total} certificate${report.total === 1 ? '' : 's'}, soonest expiry first; hatched: renewal window`;
  }
  if (rowCount === 0) {
    rows.push(`<text x="${PLOT_LEFT}" y="${PLOT_TOP + 14}" font-size="12" fill="${MUTED}">No certificates.</text>`);
    rowCount = 1;
  }
  const plotBottom = PLOT_TOP + rowCount * ROW;
  const height = plotBottom + 40;
  const todayX = fmt(axis.x(today));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="title" ${FONT}>`);
  out.push(`<title id="title">Certificate expiry timeline, ${xmlEscape(report.date)}</title>`);
  out.push('<defs><pattern id="renewal" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2.5" height="6" fill="#ffffff" fill-opacity="0.6"/></pattern></defs>');
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="8" y="22" font-size="15" font-weight="bold" fill="${TEXT}">Certificate expiry timeline, ${xmlEscape(report.date)}</text>`);
  out.push(`<text x="8" y="40" font-size="11" fill="${MUTED}">${xmlEscape(subtitle)}</text>`);
  for (let i = 0; i < rowCount; i += 2) out.push(`<rect x="0" y="${PLOT_TOP + i * ROW}" width="${WIDTH}" height="${ROW}" fill="#f6f8fa"/>`);
  out.push(...axisLines(axis, plotBottom, axis.x(today)));
  out.push(...rows);
  out.push(`<line x1="${todayX}" y1="${PLOT_TOP - 6}" x2="${todayX}" y2="${plotBottom}" stroke="${TODAY}" stroke-width="1.5" stroke-dasharray="4 3"/>`);
  out.push(`<text x="${todayX}" y="${PLOT_TOP - 9}" font-size="11" font-weight="bold" fill="${TODAY}" text-anchor="middle">today</text>`);
  out.push(...legend(plotBottom + 24, report, grouped));
  out.push('</svg>');
  // A final empty element gives the closing newline and keeps the result one flat string (no copy when written).
  out.push('');
  return out.join('\n');
}

function makeAxis(entries: readonly ExpiryEntry[], today: number): Axis {
  let lo = today - MARGIN_MS;
  let hi = today + MARGIN_MS;
  for (const e of entries) {
    if (e.notBefore) lo = Math.min(lo, Date.parse(e.notBefore));
    if (e.notAfter) hi = Math.max(hi, Date.parse(e.notAfter) + DAY_MS);
  }
  lo = startOfMonth(Math.max(lo, today - REACH_MS), 0);
  hi = startOfMonth(Math.min(hi, today + REACH_MS), 1);
  const span = hi - lo;
  return {
    lo,
    hi,
    x: (t: number) => PLOT_LEFT + ((Math.min(hi, Math.max(lo, t)) - lo) / span) * (PLOT_RIGHT - PLOT_LEFT),
  };
}

function startOfMonth(t: number, add: number): number {
  const d = new Date(t);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return add === 0 || start === t ? start : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1);
}

function axisLines(axis: Axis, bottom: number, todayX: number): string[] {
  const months = Math.round((axis.hi - axis.lo) / (30.44 * DAY_MS));
  const step = months <= 14 ? 1 : months <= 28 ? 2 : 3;
  const out: string[] = [];
  const first = new Date(axis.lo);
  for (let m = 0; ; m += step) {
    const t = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + m, 1);
    if (t > axis.hi) break;
    const x = fmt(axis.x(t));
    out.push(`<line x1="${x}" y1="${PLOT_TOP}" x2="${x}" y2="${bottom}" stroke="${GRID}" stroke-width="1"/>`);
    // A month label under the "today" label would be unreadable; the grid line still marks the month.
    const labelX = axis.x(t) + 3;
    const clear = labelX + 38 < todayX - 18 || labelX > todayX + 18;
    if (t < axis.hi && clear) out.push(`<text x="${fmt(labelX)}" y="${PLOT_TOP - 4}" font-size="10" fill="${MUTED}">${isoDay(t).slice(0, 7)}</text>`);
  }
  out.push(`<line x1="${PLOT_LEFT}" y1="${bottom}" x2="${PLOT_RIGHT}" y2="${bottom}" stroke="${GRID}" stroke-width="1"/>`);
  return out;
}

function certificateRow(e: ExpiryEntry, i: number, axis: Axis, t: Thresholds): string {
  const top = PLOT_TOP + i * ROW;
  const barY = top + (ROW - BAR) / 2;
  const textY = top + 14;
  const parts: string[] = [];
  const left = e.status === 'expired' ? 'expired' : e.status === 'not-issued' ? 'not issued' : `${e.daysLeft} d`;
  parts.push(`<title>${xmlEscape(tooltip(e, t))}</title>`);
  parts.push(`<text x="8" y="${textY}" font-size="12" fill="${TEXT}"${e.managed ? '' : ' font-style="italic"'}>${xmlEscape(clip(e.managed ? e.name : `${e.name} (unmanaged)`, 30))}</text>`);
  parts.push(`<text x="${LABEL_WIDTH - 8}" y="${textY}" font-size="11" fill="${STATUS_COLOUR[e.status]}" text-anchor="end" font-weight="bold">${left}</text>`);
  if (e.notBefore && e.notAfter) {
    const x0 = axis.x(Date.parse(e.notBefore));
    const x1 = axis.x(Date.parse(e.notAfter));
    const colour = STATUS_COLOUR[e.status];
    parts.push(`<rect x="${fmt(x0)}" y="${fmt(barY)}" width="${fmt(Math.max(1, x1 - x0))}" height="${BAR}" rx="2" fill="${colour}" fill-opacity="0.85"/>`);
    const renewAt = e.nextRenewal?.at ? Date.parse(e.nextRenewal.at) : undefined;
    if (renewAt !== undefined && renewAt < Date.parse(e.notAfter)) {
      const r0 = axis.x(renewAt);
      if (x1 - r0 >= 1) parts.push(`<rect x="${fmt(r0)}" y="${fmt(barY)}" width="${fmt(x1 - r0)}" height="${BAR}" fill="url(#renewal)"/>`);
    }
  } else {
    parts.push(`<text x="${PLOT_LEFT + 6}" y="${textY}" font-size="11" fill="${MUTED}" font-style="italic">no issued certificate</text>`);
  }
  return `<g>${parts.join('')}</g>`;
}

function tooltip(e: ExpiryEntry, t: Thresholds): string {
  if (!e.notBefore || !e.notAfter) return `${e.name}: ${statusLabel(e.status, t)}`;
  const renew = e.nextRenewal?.at ? `, renewal from ${isoMinute(e.nextRenewal.at)}` : e.nextRenewal?.due ? ', renewal due now' : '';
  return `${e.name}: ${isoMinute(e.notBefore)} to ${isoMinute(e.notAfter)} UTC (${statusLabel(e.status, t)})${renew}`;
}

interface Group {
  key: string;
  entries: ExpiryEntry[];
  counts: Record<ExpiryStatus, number>;
  worst: ExpiryStatus;
  /** Soonest expiry, -Infinity when one was never issued: the group's urgency. */
  urgency: number;
}

function makeGroups(entries: readonly ExpiryEntry[], by: 'owner' | 'issuer', maxRows: number): Group[] {
  const byKey = new Map<string, ExpiryEntry[]>();
  for (const e of entries) {
    const key = by === 'owner' ? (e.owners[0] ?? '(no owner)') : (e.issuer ?? e.issuerDN ?? '(unknown issuer)');
    const list = byKey.get(key);
    if (list) list.push(e);
    else byKey.set(key, [e]);
  }
  let groups = [...byKey].map(([key, list]) => group(key, list));
  groups.sort((a, b) => (a.urgency !== b.urgency ? (a.urgency < b.urgency ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (groups.length > maxRows) {
    const rest = groups.slice(maxRows - 1);
    groups = [...groups.slice(0, maxRows - 1), group(`other (${rest.length} groups)`, rest.flatMap((g) => g.entries))];
  }
  return groups;
}

function group(key: string, entries: ExpiryEntry[]): Group {
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<ExpiryStatus, number>;
  let urgency = Infinity;
  for (const e of entries) {
    counts[e.status]++;
    urgency = Math.min(urgency, e.notAfter ? Date.parse(e.notAfter) : -Infinity);
  }
  const worst = STATUS_ORDER.find((s) => counts[s] > 0) ?? 'ok';
  return { key, entries, counts, worst, urgency };
}

/** Expiry marks of a group, bucketed so a row holds a bounded number of shapes however many certificates it has. */
interface Mark {
  start: number;
  end: number;
  count: number;
  status: ExpiryStatus;
  first: number;
}

function buckets(g: Group, axis: Axis): Mark[] {
  const size = Math.max(DAY_MS, (axis.hi - axis.lo) / 150);
  const map = new Map<number, { count: number; status: ExpiryStatus; first: number }>();
  for (const e of g.entries) {
    if (!e.notAfter) continue;
    const t = Math.min(axis.hi - 1, Math.max(axis.lo, Date.parse(e.notAfter)));
    const b = Math.floor((t - axis.lo) / size);
    const cell = map.get(b);
    const na = Date.parse(e.notAfter);
    if (!cell) map.set(b, { count: 1, status: e.status, first: na });
    else {
      cell.count++;
      if (na < cell.first) {
        cell.first = na;
        cell.status = e.status;
      }
    }
  }
  return [...map].sort(([a], [b]) => a - b).map(([b, c]) => ({ start: axis.lo + b * size, end: axis.lo + (b + 1) * size, ...c }));
}

function groupRow(g: Group, marks: readonly Mark[], i: number, axis: Axis, t: Thresholds, tallest: number): string {
  const top = PLOT_TOP + i * ROW;
  const barY = top + (ROW - BAR) / 2;
  const textY = top + 14;
  const parts: string[] = [];
  const summary = STATUS_ORDER.filter((s) => g.counts[s] > 0).map((s) => `${g.counts[s]} ${statusLabel(s, t)}`).join(', ');
  parts.push(`<title>${xmlEscape(`${g.key}: ${g.entries.length} certificate${g.entries.length === 1 ? '' : 's'} (${summary})`)}</title>`);
  parts.push(`<text x="8" y="${textY}" font-size="12" fill="${TEXT}">${xmlEscape(clip(`${g.key} (${g.entries.length})`, 30))}</text>`);
  parts.push(`<text x="${LABEL_WIDTH - 8}" y="${textY}" font-size="11" fill="${STATUS_COLOUR[g.worst]}" text-anchor="end" font-weight="bold">${g.counts[g.worst]} ${xmlEscape(statusLabel(g.worst, t))}</text>`);
  let from = Infinity;
  let to = -Infinity;
  for (const e of g.entries) {
    if (!e.notBefore || !e.notAfter) continue;
    from = Math.min(from, Date.parse(e.notBefore));
    to = Math.max(to, Date.parse(e.notAfter));
  }
  if (from <= to) {
    const x0 = axis.x(from);
    const x1 = axis.x(to);
    parts.push(`<rect x="${fmt(x0)}" y="${fmt(barY + 3)}" width="${fmt(Math.max(1, x1 - x0))}" height="${BAR - 6}" rx="2" fill="#afb8c1" fill-opacity="0.7"/>`);
  }
  for (const m of marks) {
    const x0 = axis.x(m.start);
    const width = Math.max(2, axis.x(m.end) - x0 - 0.5);
    const h = Math.max(3, Math.round((BAR + 2) * (Math.log1p(m.count) / Math.log1p(tallest))));
    parts.push(`<rect x="${fmt(x0)}" y="${fmt(barY + BAR + 1 - h)}" width="${fmt(width)}" height="${h}" fill="${STATUS_COLOUR[m.status]}"/>`);
  }
  return `<g>${parts.join('')}</g>`;
}

function legend(y: number, report: ExpiryReport, grouped: boolean): string[] {
  const out: string[] = [];
  let x = 8;
  for (const s of STATUS_ORDER) {
    const label = statusLabel(s, report.thresholds);
    out.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" rx="2" fill="${STATUS_COLOUR[s]}"/><text x="${x + 16}" y="${y}" font-size="11" fill="${TEXT}">${xmlEscape(label)}</text>`);
    x += 28 + label.length * 6.5;
  }
  if (!grouped) {
    out.push(`<rect x="${x}" y="${y - 10}" width="24" height="12" rx="2" fill="${STATUS_COLOUR.ok}"/><rect x="${x}" y="${y - 10}" width="24" height="12" fill="url(#renewal)"/><text x="${x + 28}" y="${y}" font-size="11" fill="${TEXT}">renewal window</text>`);
    x += 130;
  }
  out.push(`<line x1="${x}" y1="${y - 12}" x2="${x}" y2="${y + 2}" stroke="${TODAY}" stroke-width="1.5" stroke-dasharray="4 3"/><text x="${x + 6}" y="${y}" font-size="11" fill="${TEXT}">today</text>`);
  if (!grouped && report.certificates.some((e) => !e.managed)) out.push(`<text x="${x + 60}" y="${y}" font-size="11" font-style="italic" fill="${TEXT}">italic: unmanaged</text>`);
  return out;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** One decimal, no trailing `.0`: small files, stable bytes. */
function fmt(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}
