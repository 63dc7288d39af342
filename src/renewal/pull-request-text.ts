import { countFindings } from '../findings.js';
import type { RenewResult } from './renew.js';

/** Hidden marker so people and tools can tell certops' pull request body from others. */
export const PULL_REQUEST_MARKER = '<!-- certops:renewal -->';

const day = (iso?: string) => (iso ? iso.slice(0, 10) : '—');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Title and Markdown body of the renewal pull request. Deterministic for the same result. */
export function renewalPullRequestText(result: RenewResult): { title: string; body: string } {
  const n = result.renewed.length;
  const title = n === 1 ? `certops: renew ${result.renewed[0]!.name}` : `certops: renew ${n} certificates`;
  const lines: string[] = [PULL_REQUEST_MARKER, ''];
  lines.push(`certops renewed ${n} certificate${n === 1 ? '' : 's'}${result.failed.length ? `; ${result.failed.length} failed` : ''}. Merging deploys them to their targets.`, '');
  if (n) {
    lines.push('| certificate | reason | serial | notAfter | issuer |', '|---|---|---|---|---|');
    for (const r of [...result.renewed].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const serial = `${r.oldSerial ? `\`${short(r.oldSerial)}\` → ` : ''}\`${short(r.newSerial)}\``;
      const notAfter = `${r.oldNotAfter ? `${day(r.oldNotAfter)} → ` : ''}${day(r.newNotAfter)}`;
      lines.push(`| ${cell(r.name)} | ${r.reason}${r.keyReused ? ' (key kept)' : ''} | ${serial} | ${notAfter} | ${cell(r.issuer)} |`);
    }
    lines.push('');
  }
  if (result.removed.length) lines.push(`Removed from the lock file (no longer in certificates.yaml): ${result.removed.join(', ')}.`, '');
  if (result.failed.length) {
    lines.push('### Failed', '', '| certificate | reason | issuer | error |', '|---|---|---|---|');
    for (const f of result.failed) lines.push(`| ${cell(f.name)} | ${f.reason} | ${cell(f.issuer)} | ${cell(f.error)} |`);
    lines.push('', 'These are retried on the next scheduled run.', '');
  }
  if (result.lint) {
    const c = countFindings(result.lint.findings);
    lines.push('### Policy check of the renewed state', '');
    lines.push(c.error || c.warning ? `${c.error} error(s), ${c.warning} warning(s), ${c.notice} notice(s):` : `No errors or warnings (${c.notice} notice(s)).`);
    const shown = result.lint.findings.filter((f) => f.severity !== 'notice').slice(0, 50);
    if (shown.length) {
      lines.push('', '| severity | rule | where | message |', '|---|---|---|---|');
      for (const f of shown) lines.push(`| ${f.severity} | ${f.ruleId} | ${cell(`${f.file}:${f.line}`)} | ${cell(f.message)} |`);
    }
    lines.push('');
  }
  if (result.plan.nextDue) lines.push(`Next certificate due: ${result.plan.nextDue.name} on ${day(result.plan.nextDue.renewAt.toISOString())}.`, '');
  return { title, body: lines.join('\n') };
}

function short(serial: string): string {
  return serial.length > 16 ? `${serial.slice(0, 16)}…` : serial;
}
