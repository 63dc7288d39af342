import type { ExpiryAlert, ExpiryReport } from './expiry-model.js';
import { isoMinute, mdCell, mdCode } from './format.js';
import { STATUS_EMOJI, STATUS_ORDER, statusLabel } from './status.js';

/** A short Markdown summary for a job summary or a terminal: counts, alerts, ledger, changed files. */
export function renderSummary(report: ExpiryReport, alerts: readonly ExpiryAlert[], changed: readonly string[], maxAlerts = 50): string {
  const t = report.thresholds;
  const out: string[] = [`### certops report, ${report.date}`, ''];
  out.push('| Status | Certificates |', '|---|--:|');
  for (const s of STATUS_ORDER) if (report.counts[s] > 0) out.push(`| ${STATUS_EMOJI[s]} ${statusLabel(s, t)} | ${report.counts[s]} |`);
  out.push(`| **total** | **${report.total}** |`, '');
  if (alerts.length > 0) {
    out.push(`**${alerts.length} certificate${alerts.length === 1 ? '' : 's'} past an alert threshold:**`, '');
    out.push('| Certificate | Days left | Threshold | Expires (UTC) | Owners |', '|---|--:|--:|---|---|');
    for (const a of alerts.slice(0, maxAlerts)) {
      out.push(`| ${mdCode(a.certificate)} | ${a.daysLeft} | ${a.threshold === 0 ? 'expired' : `${a.threshold} d`} | ${isoMinute(a.notAfter)} | ${mdCell(a.owners.join(', '))} |`);
    }
    if (alerts.length > maxAlerts) out.push('', `… and ${alerts.length - maxAlerts} more in the expiry report.`);
    out.push('');
  } else out.push('No certificate is past an alert threshold.', '');
  const l = report.ledger;
  out.push(l.ok ? `Audit ledger: ${l.lines} events, hash chain intact.` : `**Audit ledger integrity check failed at line ${l.firstBadLine}:** ${mdCell(l.problem ?? '')}`, '');
  out.push(changed.length ? `Changed: ${changed.map(mdCode).join(', ')}.` : 'No report file changed.');
  return `${out.join('\n')}\n`;
}
