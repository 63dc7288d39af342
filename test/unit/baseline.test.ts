import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { BASELINE_POLICY } from '../../src/policy/baseline.js';
import { loadPolicies } from '../../src/policy/load-policies.js';
import { RULES } from '../../src/policy/rules/index.js';

it('policies/baseline.yaml is the built-in baseline, and it is valid', () => {
  assert.equal(readFileSync('policies/baseline.yaml', 'utf8'), BASELINE_POLICY, 'regenerate policies/baseline.yaml from src/policy/baseline.ts');
  const { policies, findings } = loadPolicies(new Map([['policies/baseline.yaml', BASELINE_POLICY]]));
  assert.deepEqual(findings, []);
  for (const [id, config] of Object.entries(policies[0]!.rules)) {
    const rule = RULES.get(id);
    assert.ok(rule, `baseline names unknown rule ${id}`);
    assert.deepEqual(rule.validate?.(config) ?? [], [], `baseline parameters of ${id}`);
  }
});

it('every rule has a summary and help for SARIF', () => {
  for (const rule of RULES.values()) {
    assert.ok(rule.summary.length > 10 && rule.help.length > 10, rule.id);
  }
});

it('the policy schema lists exactly the rules certops implements', () => {
  const schema = JSON.parse(readFileSync('schema/policy.schema.json', 'utf8')) as { properties: { rules: { properties: Record<string, unknown> } } };
  assert.deepEqual(Object.keys(schema.properties.rules.properties).sort(), [...RULES.keys()].sort());
});
