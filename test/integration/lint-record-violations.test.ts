// dist/lint/index.js with record-violations on a push: new error findings become
// policy_violation events in the ledger, committed once; pull requests never record.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runAction } from '../helpers/action-runner.js';
import { manifestWith } from '../helpers/lint-fixture.js';

describe('lint records policy violations on pushes', () => {
  let root: string;
  let origin: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  before(() => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    root = mkdtempSync(join(tmpdir(), 'certops-lint-record-'));
    origin = join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', origin);
    const seed = join(root, 'seed');
    git(root, 'clone', '-q', origin, seed);
    mkdirSync(join(seed, 'policies'));
    writeFileSync(join(seed, 'certificates.yaml'), manifestWith('    dnsNames: [a.example.com]\n    privateKey: { algorithm: RSA, size: 1024 }'));
    writeFileSync(join(seed, 'policies/keys.yaml'), 'version: 1\nrules:\n  key-algorithm: { severity: error, allow: [ { algorithm: RSA, minSize: 2048 } ] }\n');
    git(seed, 'add', '-A');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'weak key');
    git(seed, 'push', '-q', 'origin', 'main');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const run = async (n: number, event: { name: string; payload: unknown }) => {
    const workspace = join(root, `checkout${n}`);
    git(root, 'clone', '-q', `file://${origin}`, workspace);
    return runAction('dist/lint/index.js', 'actions/lint/action.yml', {
      workspace,
      inputs: { 'record-violations': 'true', now: '2026-11-27T00:00:00Z' },
      event,
      env: { GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'example/certs', GITHUB_RUN_ID: String(n) },
    });
  };

  // First, while the violation is new: a pull request that recorded would change main.
  it('a pull request never records', async () => {
    const tip = git(origin, 'rev-parse', 'main');
    assert.throws(() => git(origin, 'cat-file', '-e', 'main:reports/audit.jsonl'), 'no ledger yet');
    const pr = await run(3, { name: 'pull_request', payload: { pull_request: { number: 1, base: { sha: tip, ref: 'main' }, head: { sha: tip, ref: 'x' } } } });
    assert.equal(pr.code, 1);
    assert.equal(git(origin, 'rev-parse', 'main'), tip);
  });

  it('a push records the violation once', async () => {
    const first = await run(1, { name: 'push', payload: { ref: 'refs/heads/main' } });
    assert.equal(first.code, 1);
    const ledger = git(origin, 'show', 'main:reports/audit.jsonl').split('\n');
    assert.equal(ledger.length, 1);
    assert.match(ledger[0]!, /"event_type":"certificate_policy_violation".*"certificate":"web".*key-algorithm certificates\.yaml#\/certificates\/0\/privateKey: .*\(line 15\)/);
    const tip = git(origin, 'rev-parse', 'main');
    const second = await run(2, { name: 'push', payload: { ref: 'refs/heads/main' } });
    assert.equal(second.code, 1);
    assert.equal(git(origin, 'rev-parse', 'main'), tip, 'a known violation is not recorded again');
  });
});
