import { DAY_MS } from '../manifest/duration.js';
import { localTime, isBusinessHours, DEFAULT_BUSINESS_HOURS, type BusinessHours } from './business-hours.js';
import type { ExpiryEntry, ExpiryReport } from './expiry-model.js';
import { isoDay, isoMinute, mdCell, mdCode, mdLink } from './format.js';
import type { LedgerEntry } from './ledger-file.js';
import { STATUS_EMOJI, statusLabel } from './status.js';

/** Finds the dashboard issue among the labelled ones; never shown (an HTML comment). */
export const DASHBOARD_MARKER = '<!-- certops:dashboard -->';
export const DASHBOARD_LABEL = 'certops-dashboard';
/** GitHub refuses issue bodies longer than this. */
export const ISSUE_BODY_LIMIT = 65_536;

export interface DashboardInput {
  report: ExpiryReport;
  ledger: readonly LedgerEntry[];
  now: Date;
  /** Default Mon-Fri 08:00-18:00 UTC. */
  businessHours?: BusinessHours;
  /** How far back changes outside business hours are listed. Default 30 days. */
  lookbackDays?: number;
  /**
   * URL of the reports folder on GitHub (`https://github.com/o/r/blob/main/reports`); issue
   * bodies cannot use relative links. Without it the report paths are shown as text.
   */
  reportsUrl?: string;
  /** Folder of the reports in the repository, for the text when there is no URL. Default `reports`. */
  outDir?: string;
  /** Rows per section before "and N more". Default 50. */
  maxRows?: number;
}

export interface DashboardContent {
  title: string;
  body: string;
}

const CHANGE_EVENTS = new Set(['certificate_issued', 'certificate_renewed', 'certificate_revoked', 'certificate_deployed', 'certificate_rolled_back']);
const EXPIRING = new Set(['expired', 'critical', 'warning', 'notice']);
const HANDLE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9._-]+)?$/;

/**
 * The dashboard issue's title and body (Markdown): expiring, failed, not issued and unmanaged
 * certificates with their owners @-mentioned, and changes made outside business hours. Pure;
 * the same input gives the same text, so an unchanged dashboard is not rewritten.
 */
export function renderDashboard(input: DashboardInput): DashboardContent {
  let maxRows = input.maxRows ?? 50;
  for (;;) {
    const content = render(input, maxRows);
    if (content.body.length <= ISSUE_BODY_LIMIT || maxRows <= 1) return content;
    maxRows = Math.floor(maxRows / 2);
  }
}

function render(input: DashboardInput, maxRows: number): DashboardContent {
  const { report } = input;
  const t = report.thresholds;
  const hours = input.businessHours ?? DEFAULT_BUSINESS_HOURS;
  const lookback = input.lookbackDays ?? 30;
  const expiring = report.certificates.filter((e) => EXPIRING.has(e.status));
  const failed = report.certificates.filter((e) => e.lastFailure !== null);
  const notIssued = report.certificates.filter((e) => e.managed && e.status === 'not-issued');
  const unmanaged = report.certificates.filter((e) => !e.managed);
  const since = input.now.getTime() - lookback * DAY_MS;
  const offHours = input.ledger.filter((l) => {
    const at = Date.parse(l.event.timestamp);
    return CHANGE_EVENTS.has(l.event.event_type) && !Number.isNaN(at) && at >= since && at <= input.now.getTime() && !isBusinessHours(new Date(at), hours);
  });

  const out: string[] = [DASHBOARD_MARKER];
  const reportLink = (name: string) => (input.reportsUrl ? mdLink(name, `${input.reportsUrl.replace(/\/+$/, '')}/${name}`) : mdCode(`${input.outDir ?? 'reports'}/${name}`));
  out.push(`Certificates that need attention, as of **${report.date}** (UTC). Updated by certops on each report run; edits to this issue are overwritten.`);
  out.push(`Full report: ${reportLink('expiry.md')} · evidence: ${reportLink('evidence.md')}.`, '');
  if (!report.ledger.ok) out.push(`> [!CAUTION]\n> The audit ledger failed its integrity check at line ${report.ledger.firstBadLine}: ${mdCell(report.ledger.problem ?? '')}`, '');

  section(out, `Expiring (${expiring.length})`, expiring, maxRows, ['Certificate', 'Status', 'Days left', 'Expires (UTC)', 'Next renewal', 'Owners'], (e) => [
    name(e),
    `${STATUS_EMOJI[e.status]} ${statusLabel(e.status, t)}`,
    String(e.daysLeft ?? ''),
    e.notAfter ? isoMinute(e.notAfter) : '',
    e.nextRenewal?.due ? `due now (${mdCell(e.nextRenewal.reason)})` : e.nextRenewal?.at ? isoDay(e.nextRenewal.at) : '',
    mentions(e),
  ]);
  section(out, `Failed (${failed.length})`, failed, maxRows, ['Certificate', 'What failed', 'When (UTC)', 'Message', 'Owners'], (e) => [
    name(e),
    e.lastFailure!.event.replace(/^certificate_/, '').replace(/_/g, ' '),
    isoMinute(e.lastFailure!.at),
    mdCell(clip(e.lastFailure!.message ?? '', 200)),
    mentions(e),
  ]);
  section(out, `Not issued (${notIssued.length})`, notIssued, maxRows, ['Certificate', 'Issuer', 'Owners'], (e) => [name(e), mdCell(e.issuer ?? ''), mentions(e)]);
  section(out, `Unmanaged (${unmanaged.length})`, unmanaged, maxRows, ['Certificate', 'Found in', 'Expires (UTC)', 'Issuer'], (e) => [
    name(e),
    mdCell((e.sources.lock ?? e.sources.certificate ?? '').replace(/#L\d+$/, '')),
    e.notAfter ? isoMinute(e.notAfter) : '',
    mdCell(e.issuerDN ?? e.issuer ?? ''),
  ]);
  const owners = new Map(report.certificates.map((e) => [e.name, e]));
  section(out, `Changed outside business hours (${offHours.length}, last ${lookback} days)`, offHours, maxRows, ['Certificate', 'Event', 'When', 'Actor', 'Run', 'Owners'], (l) => {
    const e = owners.get(l.event.certificate);
    return [
      mdCode(l.event.certificate),
      l.event.event_type.replace(/^certificate_/, '').replace(/_/g, ' '),
      when(new Date(l.event.timestamp), hours.timeZone),
      mdCell(l.event.actor),
      /^https?:\/\//.test(l.event.run_url) ? mdLink('run', l.event.run_url) : mdCell(l.event.run_url),
      e ? mentions(e) : '',
    ];
  });
  if (expiring.length + failed.length + notIssued.length + unmanaged.length + offHours.length === 0) out.push('Nothing needs attention. ✅', '');
  out.push(`<sub>Business hours: ${hours.days.map((d) => ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][d - 1]).join(', ')} ${hours.start}-${hours.end} ${mdCell(hours.timeZone)}. Thresholds: ${t.critical}/${t.warning}/${t.notice} days.</sub>`);

  const needs = [
    expiring.length ? `${expiring.length} expiring` : '',
    failed.length ? `${failed.length} failed` : '',
    notIssued.length ? `${notIssued.length} not issued` : '',
    unmanaged.length ? `${unmanaged.length} unmanaged` : '',
  ].filter(Boolean);
  return { title: `Certificate dashboard${needs.length ? `: ${needs.join(', ')}` : ''}`, body: `${out.join('\n')}\n` };
}

function section<T>(out: string[], title: string, rows: readonly T[], maxRows: number, header: string[], cells: (row: T) => string[]): void {
  if (rows.length === 0) return;
  out.push(`## ${title}`, '', `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
  for (const row of rows.slice(0, maxRows)) out.push(`| ${cells(row).join(' | ')} |`);
  if (rows.length > maxRows) out.push('', `… and ${rows.length - maxRows} more: see the expiry report.`);
  out.push('');
}

function name(e: ExpiryEntry): string {
  return e.managed ? mdCode(e.name) : `${mdCode(e.name)} *unmanaged*`;
}

/** Owners' GitHub handles as mentions; a value that is not a handle is shown, not mentioned. */
function mentions(e: ExpiryEntry): string {
  if (e.contacts.length === 0) return '*no owner*';
  return e.contacts.map((h) => (HANDLE.test(h) ? `@${h}` : mdCell(h))).join(' ');
}

/** `Sat 2026-02-21 03:00 UTC`, and the local time when the business hours are in another zone. */
function when(at: Date, timeZone: string): string {
  const utc = `${localTime(at, 'UTC').text.slice(0, 3)} ${isoMinute(at)} UTC`;
  return timeZone === 'UTC' ? utc : `${utc} (${localTime(at, timeZone).text})`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
