import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLint } from '../../src/policy/lint.js';
import { manifestWith } from '../helpers/lint-fixture.js';
import { requireProgram } from '../helpers/system.js';

describe('policies are read from the base commit on a pull request', () => {
  let dir: string;
  let baseSha: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'certops-base-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'test');
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'certificates.yaml'), manifestWith('    dnsNames: [a.example.com]'));
    writeFileSync(
      join(dir, 'policies/network.yaml'),
      'version: 1\napprovers: ["@example/security"]\nrules:\n  ip-sans: { severity: error, allow: false }\n  policy-change: { severity: error }\n',
    );
    git('add', '-A');
    git('commit', '-qm', 'base');
    baseSha = git('rev-parse', 'HEAD');
    // The pull request: weakens the policy and adds a violating certificate in one change.
    writeFileSync(join(dir, 'policies/network.yaml'), 'version: 1\napprovers: []\nrules:\n  ip-sans: { severity: error, allow: true }\n');
    writeFileSync(join(dir, 'certificates.yaml'), manifestWith('    dnsNames: [a.example.com]\n    ipAddresses: [10.9.9.9]'));
    git('add', '-A');
    git('commit', '-qm', 'weaken policy and add an IP SAN');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the weakened head policy alone would pass the change', (t) => {
    if (!requireProgram(t, 'git', 'git')) return;
    const head = runLint({ repoDir: dir, now: new Date('2026-11-27T00:00:00Z') });
    assert.equal(head.findings.filter((f) => f.ruleId === 'ip-sans').length, 0);
  });

  it('judged by the base policy, the change fails and the policy change is named', (t) => {
    if (!requireProgram(t, 'git', 'git')) return;
    const result = runLint({ repoDir: dir, baseRev: baseSha, now: new Date('2026-11-27T00:00:00Z') });
    assert.equal(result.policySource, 'base-revision');
    const ip = result.findings.filter((f) => f.ruleId === 'ip-sans');
    assert.equal(ip.length, 1);
    assert.equal(ip[0]!.severity, 'error');
    const change = result.findings.filter((f) => f.ruleId === 'policy-change');
    assert.equal(change.length, 1);
    assert.equal(change[0]!.file, 'policies/network.yaml');
    assert.match(change[0]!.message, /needs approval from @example\/security/);
    assert.ok(result.counts.error >= 2);
  });

  it('an unknown base revision is a clear error', (t) => {
    if (!requireProgram(t, 'git', 'git')) return;
    assert.throws(() => runLint({ repoDir: dir, baseRev: 'deadbeef', now: new Date() }), /git revision "deadbeef" does not exist.*fetch-depth: 0/);
  });
});
