import type { ExpiryReport } from './expiry-model.js';

/**
 * reports/expiry.json, described by schema/expiry-report.schema.json: one certificate per line,
 * so a commit's diff shows which certificates changed and the file stays small at 10,000
 * certificates; fields in a fixed order, final newline.
 */
export function renderExpiryJson(report: ExpiryReport): string {
  const lines = ['{'];
  const keys = Object.keys(report) as (keyof ExpiryReport)[];
  keys.forEach((key, i) => {
    const comma = i < keys.length - 1 ? ',' : '';
    const value = report[key];
    if (key !== 'certificates' || report.certificates.length === 0) lines.push(`  ${JSON.stringify(key)}: ${JSON.stringify(value)}${comma}`);
    else {
      lines.push(`  ${JSON.stringify(key)}: [`);
      report.certificates.forEach((c, n) => lines.push(`    ${JSON.stringify(c)}${n < report.certificates.length - 1 ? ',' : ''}`));
      lines.push(`  ]${comma}`);
    }
  });
  // One join: a flat string, written without a copy.
  lines.push('}', '');
  return lines.join('\n');
}
