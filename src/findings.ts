/** How much a finding matters. `error` fails the check; `off` disables a rule in a policy. */
export type Severity = 'error' | 'warning' | 'notice';

/** One problem found by lint: a rule, where it is, and how to fix it. */
export interface Finding {
  /** Stable rule id (SARIF ruleId), e.g. `key-algorithm` or `manifest-schema`. */
  ruleId: string;
  severity: Severity;
  /** What is wrong and how to fix it, in one or two sentences. */
  message: string;
  /** The certificate the finding is about, when there is one. */
  certificate?: string;
  /** Repository-relative path of the file the finding points at. */
  file: string;
  /** 1-based line and column; 1:1 when the finding is about a whole file. */
  line: number;
  column: number;
  /** JSON path inside the file (`/certificates/0/dnsNames/1`), when it points into YAML. */
  path?: string;
}

export interface FindingCounts {
  error: number;
  warning: number;
  notice: number;
}

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const counts: FindingCounts = { error: 0, warning: 0, notice: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

const severityRank: Record<Severity, number> = { error: 0, warning: 1, notice: 2 };

/** Deterministic order: file, line, column, severity, rule. Same input, same report. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      severityRank[a.severity] - severityRank[b.severity] ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
