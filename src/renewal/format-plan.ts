import type { RenewalPlan } from './plan.js';

/** The plan as a table for a terminal or a log: one line per certificate. */
export function formatPlan(plan: RenewalPlan): string {
  const rows = plan.certificates.map((c) => [c.name, c.due ? 'DUE' : 'ok', c.reason, c.renewAt.toISOString().slice(0, 16).replace('T', ' '), c.detail]);
  const header = ['certificate', 'status', 'reason', 'renew at (UTC)', 'why'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((v, i) => (i === r.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  const out = [line(header), ...rows.map(line)];
  out.push(`${plan.due.length} of ${plan.certificates.length} due${plan.orphaned.length ? `; ${plan.orphaned.length} lock entr${plan.orphaned.length === 1 ? 'y' : 'ies'} no longer in certificates.yaml: ${plan.orphaned.join(', ')}` : ''}`);
  return `${out.join('\n')}\n`;
}
