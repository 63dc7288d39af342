// The built dist/renew/index.js as the runner runs it: a checkout of a bare origin, the GitHub
// REST double for the pull request, the age identity as a secret input.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { ROOT, runAction } from '../helpers/action-runner.js';
import { branchesOfGitRepo, startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

const NOW = '2026-11-27T10:00:00Z';

describe('dist/renew/index.js on a schedule', () => {
  let root: string;
  let origin: string;
  let identity: string;
  let double: GitHubDouble;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

  before(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    root = mkdtempSync(join(tmpdir(), 'certops-renew-action-'));
    origin = join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', origin);
    const seed = join(root, 'seed');
    git(root, 'clone', '-q', origin, seed);
    const id = await generateAgeIdentity();
    identity = id.identity;
    writeFileSync(
      join(seed, 'certificates.yaml'),
      `version: 1\ndefaults: { issuer: internal, duration: 30d, owners: [web] }\nrecipients: [${id.recipient}]\nowners: { web: [alice] }\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n  - name: api\n    dnsNames: [api.example.test]\n`,
    );
    await writeCaFiles({ repoDir: seed, ca: await initCa({ commonName: 'action test CA', now: new Date('2026-01-01T00:00:00Z') }), recipients: [id.recipient] });
    git(seed, 'add', '-A');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'inventory');
    git(seed, 'push', '-q', 'origin', 'main');
    double = await startGitHubDouble({ owner: 'example', repo: 'certs', token: 'ghs_test', branchSha: branchesOfGitRepo(origin) });
  });
  after(async () => {
    await double?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const scheduled = async (n: number, inputs: Record<string, string> = {}) => {
    const workspace = join(root, `checkout${n}`);
    git(root, 'clone', '-q', '--depth', '1', `file://${origin}`, workspace);
    return runAction('dist/renew/index.js', 'actions/renew/action.yml', {
      workspace,
      inputs: { identity, 'github-token': 'ghs_test', repository: 'example/certs', 'base-branch': 'main', now: NOW, ...inputs },
      event: { name: 'schedule', payload: { schedule: '0 6 * * *' } },
      env: { GITHUB_API_URL: double.url, GITHUB_REPOSITORY: 'example/certs', GITHUB_RUN_ID: String(100 + n), GITHUB_SERVER_URL: 'https://github.com', GITHUB_REF_NAME: 'main' },
    });
  };

  it('opens one pull request with the renewed certificates and sets the outputs', async () => {
    const run = await scheduled(1);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.outputs.renewed!).sort(), ['api', 'www']);
    assert.deepEqual(JSON.parse(run.outputs.failed!), []);
    assert.equal(run.outputs['pull-request-number'], String(double.pulls()[0]!.number));
    assert.match(run.outputs['pull-request-url']!, /\/pull\/\d+$/);
    assert.equal((JSON.parse(run.outputs['pull-requests']!) as { autoMerge: string }[])[0]?.autoMerge, 'off');
    assert.equal(double.requestsFor('graphql').length, 0, 'auto-merge is off by default');
    const plan = JSON.parse(run.outputs.plan!) as { name: string; due: boolean; reason: string }[];
    assert.deepEqual(plan.map((p) => `${p.name}:${p.due}:${p.reason}`), ['www:true:missing', 'api:true:missing']);
    assert.match(run.summary, /2 renewed, 0 failed/);
    assert.match(run.summary, /<table>/);
    assert.equal(git(origin, 'ls-tree', '--name-only', '-r', 'certops/renew', 'certs').split('\n').length, 4);
    // The events are on main at once, and the renewal branch sits on that commit.
    const ledger = git(origin, 'show', 'main:reports/audit.jsonl').split('\n').map((l) => JSON.parse(l) as { event_type: string; certificate: string });
    assert.deepEqual(ledger.map((e) => `${e.event_type}:${e.certificate}`).sort(), ['certificate_issued:api', 'certificate_issued:www']);
    assert.equal(git(origin, 'rev-parse', 'certops/renew^'), git(origin, 'rev-parse', 'main'));
    assert.match(git(origin, 'log', '-1', '--format=%B', 'main'), /\[skip ci\]/);
    // The runner hides what ::add-mask:: names; anywhere else the identity must not appear.
    const shown = (run.stdout + run.stderr).split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
    assert.doesNotMatch(shown, /AGE-SECRET-KEY|PRIVATE KEY-----/);
    assert.deepEqual(double.violations, []);
  });

  it('a rerun before the merge changes nothing and keeps the one pull request', async () => {
    const tip = git(origin, 'rev-parse', 'certops/renew');
    const main = git(origin, 'rev-parse', 'main');
    const run = await scheduled(2);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(git(origin, 'rev-parse', 'certops/renew'), tip);
    assert.equal(git(origin, 'rev-parse', 'main'), main, 'carried renewals are not recorded again');
    assert.equal(double.pulls().length, 1);
    assert.deepEqual(double.violations, []);
  });

  it('a wrong identity fails the step with a clear message and no stack trace', async () => {
    const other = await generateAgeIdentity();
    const run = await scheduled(3, { identity: other.identity, branch: 'certops/elsewhere' });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /::error title=certops renew%3A www failed::.*cannot decrypt it/);
    assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at .*\(.*:\d+:\d+\)/);
    assert.doesNotMatch(run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), new RegExp(other.identity));
    assert.match(git(origin, 'show', 'main:reports/audit.jsonl'), /"event_type":"certificate_renewal_failed"/);
  });

  type PullOutput = { number: number; branch: string; action: string; autoMerge: string };

  it('with auto-merge: squash, the new pull request is set to merge itself', async () => {
    const run = await scheduled(4, { branch: 'certops/auto', 'auto-merge': 'squash' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const pulls = JSON.parse(run.outputs['pull-requests']!) as PullOutput[];
    assert.deepEqual(pulls.map((p) => [p.branch, p.action, p.autoMerge]), [['certops/auto', 'created', 'enabled']]);
    const pr = double.pulls().find((p) => p.number === pulls[0]!.number)!;
    assert.equal(pr.pull.autoMerge?.mergeMethod, 'SQUASH');
    assert.equal(double.requestsFor('graphql').length, 1);
    assert.match(run.summary, /auto-merge \(squash\) enabled/);
    assert.doesNotMatch(run.stdout, /::warning::/);
    assert.deepEqual(double.violations, []);
  });

  it('a rerun finds auto-merge already on and sends no second mutation', async () => {
    const run = await scheduled(5, { branch: 'certops/auto', 'auto-merge': 'true' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const pulls = JSON.parse(run.outputs['pull-requests']!) as PullOutput[];
    assert.deepEqual(pulls.map((p) => [p.branch, p.action, p.autoMerge]), [['certops/auto', 'unchanged', 'enabled']]);
    assert.equal(double.requestsFor('graphql').length, 1);
    assert.deepEqual(double.violations, []);
  });

  it('a repository that does not allow auto-merge: a warning, the pull request stays open, the step passes', async () => {
    double.autoMergePolicy.allowed = false;
    try {
      const run = await scheduled(6, { branch: 'certops/manual', 'auto-merge': 'true' });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const pulls = JSON.parse(run.outputs['pull-requests']!) as PullOutput[];
      assert.equal(pulls.length, 1);
      assert.equal(pulls[0]!.autoMerge, 'failed: Auto merge is not allowed for this repository (UNPROCESSABLE)');
      assert.match(run.stdout, new RegExp(`::warning::could not enable auto-merge \\(squash\\) on #${pulls[0]!.number}: Auto merge is not allowed`));
      const pr = double.pulls().find((p) => p.number === pulls[0]!.number)!;
      assert.equal(pr.state, 'open');
      assert.equal(pr.pull.autoMerge, undefined);
      assert.deepEqual(double.violations, []);
    } finally {
      double.autoMergePolicy.allowed = true;
    }
  });

  it('an auto-merge input that is not a method fails the step before anything is issued', async () => {
    const run = await scheduled(7, { branch: 'certops/typo', 'auto-merge': 'fast-forward' });
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /::error::Input "auto-merge" must be false, true \(squash\) or one of merge, squash, rebase; got "fast-forward"/);
    assert.equal(git(origin, 'branch', '--list', 'certops/typo'), '');
  });
  it('a base branch that refuses the ledger commit still gets its pull request, and the step fails saying why', async () => {
    const hook = join(origin, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do [ "$ref" = refs/heads/main ] && { echo "main is protected" >&2; exit 1; }; done\nexit 0\n', { mode: 0o755 });
    try {
      const tip = git(origin, 'rev-parse', 'main');
      const run = await scheduled(8, { branch: 'certops/protected' });
      assert.equal(run.code, 1, run.stdout);
      assert.equal(git(origin, 'rev-parse', 'main'), tip);
      assert.ok(double.pulls().some((p) => p.pull.head === 'certops/protected'), 'the pull request was opened');
      assert.match(run.stdout, /::error title=certops renew%3A audit ledger::Could not record 2 renewal event\(s\)/);
      assert.match(run.stdout, /::error::certops renew: the renewal events could not be committed to main .*commit-ledger: false/);
    } finally {
      rmSync(hook, { force: true });
    }
  });
});
