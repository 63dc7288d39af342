import type { Finding, FindingCounts } from '../findings.js';

/** One finding in the JSON report: a stable contract for scripts, so only these keys, in this order. */
export interface JsonFinding {
  ruleId: string;
  severity: Finding['severity'];
  message: string;
  certificate?: string;
  file: string;
  line: number;
  column: number;
}

export interface JsonReport {
  findings: JsonFinding[];
  counts: FindingCounts;
}

export function toJsonFinding(f: Finding): JsonFinding {
  const { ruleId, severity, message, certificate, file, line, column } = f;
  return certificate === undefined
    ? { ruleId, severity, message, file, line, column }
    : { ruleId, severity, message, certificate, file, line, column };
}

/** `{"findings":[...],"counts":{"error":n,"warning":n,"notice":n}}`, pretty-printed, newline-terminated. */
export function formatJson(result: { findings: readonly Finding[]; counts: FindingCounts }): string {
  const report: JsonReport = {
    findings: result.findings.map(toJsonFinding),
    counts: { error: result.counts.error, warning: result.counts.warning, notice: result.counts.notice },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
