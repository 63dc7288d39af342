import type { Finding } from '../findings.js';
import { schemaFindings } from '../manifest/schema-validation.js';
import { policyValidator } from '../manifest/schema-validators.js';
import { parseYaml } from '../manifest/yaml-source.js';
import type { Policy, RuleConfig, Selector } from './types.js';

export interface PolicyLoad {
  policies: Policy[];
  findings: Finding[];
}

/** Parses policy files (path -> YAML text). A broken policy file is a finding and applies no rules. */
export function loadPolicies(files: Map<string, string>): PolicyLoad {
  const policies: Policy[] = [];
  const findings: Finding[] = [];
  for (const [file, source] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!/\.ya?ml$/.test(file)) continue;
    const parsed = parseYaml(source, file);
    if (!parsed.ok) {
      findings.push({ ruleId: 'policy-syntax', severity: 'error', message: parsed.message, file, ...parsed.position });
      continue;
    }
    const errors = schemaFindings(policyValidator(), parsed.value, parsed.positions, file, 'policy-schema');
    if (errors.length) {
      findings.push(...errors);
      continue;
    }
    const doc = parsed.value as { description?: string; approvers?: string[]; select?: Selector; rules: Record<string, RuleConfig> };
    const policy: Policy = {
      file,
      approvers: doc.approvers ?? [],
      select: doc.select ?? {},
      rules: doc.rules,
      positions: parsed.positions,
    };
    if (doc.description !== undefined) policy.description = doc.description;
    policies.push(policy);
  }
  return { policies, findings };
}
