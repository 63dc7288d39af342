import { posix } from 'node:path';
import type { ExpiryEntry, ExpiryReport } from './expiry-model.js';
import { isoDay, isoMinute, mdCell, mdCode, mdLink, pullRequestLabel } from './format.js';
import { STATUS_EMOJI, STATUS_ORDER, statusLabel, type Thresholds } from './status.js';

export interface ExpiryMarkdownOptions {
  /** Repository-relative folder the report is written to: links to sources are relative to it. */
  outDir: string;
  /** File name of the chart, next to the report. */
  svgName: string;
  jsonName: string;
}

/** reports/expiry.md: every certificate, soonest expiry first, readable on GitHub. */
export function renderExpiryMarkdown(report: ExpiryReport, options: ExpiryMarkdownOptions): string {
  const t = report.thresholds;
  const out: string[] = [];
  out.push('# Certificate expiry report', '');
  const counts = STATUS_ORDER.filter((s) => report.counts[s] > 0).map((s) => `${STATUS_EMOJI[s]} ${report.counts[s]} ${statusLabel(s, t)}`);
  out.push(`As of **${report.date}** (UTC): ${report.total} certificate${report.total === 1 ? '' : 's'}${counts.length ? `: ${counts.join(' · ')}` : ''}.`, '');
  out.push(`![Expiry timeline: a bar per certificate from notBefore to notAfter, renewal window hatched, today marked](${options.svgName})`, '');
  if (report.certificates.length === 0) {
    out.push('No certificates are declared in certificates.yaml yet.', '');
  } else {
    out.push('| Certificate | Status | Days left | Expires (UTC) | Owners | Issuer | Last renewal | Next renewal |');
    out.push('|---|---|--:|---|---|---|---|---|');
    for (const e of report.certificates) out.push(row(e, t, options));
    out.push('');
  }
  const ledger = report.ledger;
  out.push(
    ledger.ok
      ? `Audit ledger ${mdLink(ledger.file, link(options.outDir, ledger.file))}: ${ledger.lines} event${ledger.lines === 1 ? '' : 's'}, hash chain intact.`
      : `**Audit ledger ${mdLink(ledger.file, link(options.outDir, ledger.file))} failed its integrity check at line ${ledger.firstBadLine}:** ${mdCell(ledger.problem ?? '')}`,
    '',
  );
  out.push(
    `Status buckets: expired, < ${t.critical} d, < ${t.warning} d, < ${t.notice} d, ok (days left rounded down). ` +
      '*Unmanaged* certificates are in the lock file or certs/ but not in certificates.yaml. ' +
      `The same data as JSON: [${options.jsonName}](${options.jsonName}). Written by certops; do not edit.`,
  );
  // A final empty element gives the closing newline and keeps the result one flat string (no copy when written).
  out.push('');
  return out.join('\n');
}

function row(e: ExpiryEntry, t: Thresholds, options: ExpiryMarkdownOptions): string {
  const name = e.sources.manifest ? mdLink(e.name, link(options.outDir, e.sources.manifest)) : mdCode(e.name);
  const cells = [
    e.managed ? name : `${name} *unmanaged*`,
    `${STATUS_EMOJI[e.status]} ${statusLabel(e.status, t)}`,
    e.daysLeft === null ? '' : String(e.daysLeft),
    e.notAfter ? isoMinute(e.notAfter) : '',
    mdCell(e.owners.join(', ')),
    mdCell(e.issuer ?? e.issuerDN ?? ''),
    lastRenewalCell(e),
    nextRenewalCell(e),
  ];
  return `| ${cells.join(' | ')} |`;
}

function lastRenewalCell(e: ExpiryEntry): string {
  const r = e.lastRenewal;
  if (!r) return '';
  const parts = [isoDay(r.at)];
  if (r.pullRequest) parts.push(mdLink(pullRequestLabel(r.pullRequest), r.pullRequest));
  else if (r.runUrl) parts.push(mdLink('run', r.runUrl));
  return parts.join(' ');
}

function nextRenewalCell(e: ExpiryEntry): string {
  const n = e.nextRenewal;
  if (!n) return '';
  if (n.due) return `**due now** (${mdCell(n.reason)})`;
  return n.at ? isoDay(n.at) : '';
}

/**
 * A link from a file in `outDir` to a repository path (which may end in `#L<line>`), relative so
 * it works on GitHub, in a clone and in a fork alike.
 */
export function link(outDir: string, repoPath: string): string {
  const hash = repoPath.indexOf('#');
  const path = hash < 0 ? repoPath : repoPath.slice(0, hash);
  const key = `${outDir}\0${path}`;
  let relative = relativeCache.get(key);
  if (relative === undefined) {
    relative = posix.relative(outDir, path) || '.';
    // A few files (the manifest, the lock, the ledger) are linked thousands of times over.
    if (relativeCache.size > 10_000) relativeCache.clear();
    relativeCache.set(key, relative);
  }
  return `${relative}${hash < 0 ? '' : repoPath.slice(hash)}`;
}

const relativeCache = new Map<string, string>();
