import type { Finding } from '../findings.js';
import { withReadCache } from '../repo/repo-files.js';
import { localFileFacts, type FileFacts } from './file-facts.js';
import { RULES } from './rules/index.js';
import { selects } from './select.js';
import type { LintContext, Policy } from './types.js';

/**
 * Applies every enabled rule of every policy. Two policies enabling the same rule for one
 * certificate report a problem once: findings are deduplicated on rule, place and message.
 * `examined`: facts an examination already has (src/policy/parallel-examination.ts), given the
 * facts to fall back on for the files it does not cover.
 */
export function evaluatePolicies(lintContext: Omit<LintContext, 'files'>, policies: readonly Policy[], examined?: (local: FileFacts) => FileFacts): Finding[] {
  // A file is read once however many rules look at it.
  const repo = withReadCache(lintContext.repo);
  const local = localFileFacts(repo, lintContext.manifest);
  const ctx: LintContext = { ...lintContext, repo, files: examined ? examined(local) : local };
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const push = (f: Finding) => {
    const key = `${f.ruleId}|${f.file}|${f.line}|${f.column}|${f.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(f);
  };
  for (const policy of policies) {
    for (const [ruleId, config] of Object.entries(policy.rules)) {
      if (config.severity === 'off') continue;
      const rule = RULES.get(ruleId);
      if (!rule) continue; // the policy schema already names unknown rules
      const problems = rule.validate?.(config) ?? [];
      if (problems.length) {
        const pos = policy.positions.value(`/rules/${ruleId}`) ?? { line: 1, column: 1 };
        for (const message of problems) push({ ruleId: 'policy-schema', severity: 'error', message: `${ruleId}: ${message}`, file: policy.file, ...pos, path: `/rules/${ruleId}` });
        continue;
      }
      const severity = config.severity;
      const stamp = (r: ReturnType<typeof rule.check>[number]) => {
        const f: Finding = { ...r, ruleId, severity: r.severity ?? severity };
        if (config.message) f.message = `${f.message} ${config.message}`;
        push(f);
      };
      if (rule.scope === 'repository') rule.check(ctx, config, policy).forEach(stamp);
      else for (const cert of ctx.manifest.certificates) if (selects(policy.select, cert)) rule.check(ctx, config, policy, cert).forEach(stamp);
    }
  }
  return findings;
}
