import type { Finding, FindingCounts } from '../findings.js';
import type { LintResult } from './lint.js';

const POLICY_SOURCE: Record<LintResult['policySource'], string> = {
  'working-tree': 'policies from the working tree',
  'base-revision': 'policies from the base revision',
  'built-in baseline': 'built-in baseline policy',
};

/**
 * The human report: one `file:line:col severity ruleId message` line per finding (the shape
 * editors and terminals turn into links), then a line of counts.
 */
export function formatText(result: Pick<LintResult, 'findings' | 'counts'> & Partial<Pick<LintResult, 'certificates' | 'policySource'>>): string {
  const lines = result.findings.map(findingLine);
  const context: string[] = [];
  if (result.certificates !== undefined) context.push(plural(result.certificates, 'certificate') + ' checked');
  if (result.policySource !== undefined) context.push(POLICY_SOURCE[result.policySource]);
  lines.push(countsLine(result.counts) + (context.length ? ` (${context.join('; ')})` : ''));
  return `${lines.join('\n')}\n`;
}

function findingLine(f: Finding): string {
  // One finding, one line: a message with a newline would break tools that read the report per line.
  const message = f.message.replace(/\s*\r?\n\s*/g, ' ');
  return `${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId} ${message}`;
}

/** `2 errors, 1 warning, 0 notices` */
export function countsLine(counts: FindingCounts): string {
  return [plural(counts.error, 'error'), plural(counts.warning, 'warning'), plural(counts.notice, 'notice')].join(', ');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
