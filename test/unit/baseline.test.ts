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

it('action.yml and README.md are generated from the actions (scripts/root-action.mjs, scripts/readme.mjs); README names every rule and CLI command', async () => {
  const { spawnSync } = await import('node:child_process');
  for (const script of ['scripts/root-action.mjs', 'scripts/readme.mjs']) {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  const readme = readFileSync('README.md', 'utf8');
  for (const id of RULES.keys()) assert.match(readme, new RegExp(`\\b${id}:`), `README policy example lacks ${id}`);
  const { COMMANDS } = await import('../../src/cli/commands/index.js');
  for (const name of Object.keys(COMMANDS)) assert.match(readme, new RegExp(`\\| \`${name} `), `README CLI table lacks ${name}`);
});
