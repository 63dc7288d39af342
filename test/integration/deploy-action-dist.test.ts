// dist/deploy/index.js on a push, as the runner runs it: what the merge changed goes to a
// files target, and the audit ledger is committed back to the origin with [skip ci].
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyLedger } from '../../src/report/ledger-verify.js';
import { ROOT, runAction } from '../helpers/action-runner.js';
import { createCertopsOrigin, type CertopsOrigin } from '../helpers/certops-origin.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

describe('dist/deploy/index.js on a push to main', () => {
  let repo: CertopsOrigin;
  let root: string;
  let origin: string;
  let identity: string;
  let beforeSha: string;
  let target: string;
  const git = (cwd: string, ...args: string[]) => repo.git(cwd, ...args);

  before(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    // The merged renewal pull request: the certificates were issued after the inventory commit.
    repo = await createCertopsOrigin({
      prefix: 'certops-deploy-action-',
      issuedAt: new Date('2026-11-27T10:00:00Z'),
      manifest: (recipient, scratch) =>
        `version: 1\ndefaults: { issuer: internal, duration: 30d, deploy: [edge] }\nrecipients: [${recipient}]\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ntargets:\n  edge: { files: { dir: "${join(scratch, 'served')}/{name}", names: { combined: combined.pem } } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n  - name: api\n    dnsNames: [api.example.test]\n`,
    });
    ({ root, origin, identity, inventorySha: beforeSha } = repo);
    target = join(root, 'served');
  });
  after(() => repo?.remove());

  const pushRun = async (n: number, inputs: Record<string, string> = {}) => {
    const workspace = join(root, `checkout${n}`);
    git(root, 'clone', '-q', `file://${origin}`, workspace);
    return runAction('dist/deploy/index.js', 'actions/deploy/action.yml', {
      workspace,
      inputs: { identity, now: '2026-11-28T00:00:00Z', ...inputs },
      event: { name: 'push', payload: { before: beforeSha, after: git(workspace, 'rev-parse', 'HEAD'), ref: 'refs/heads/main' } },
      env: { GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'example/certs', GITHUB_RUN_ID: String(200 + n), GITHUB_SHA: git(workspace, 'rev-parse', 'HEAD'), GITHUB_ACTOR: 'octocat' },
    });
  };

  it('deploys what the merge changed and commits the ledger with [skip ci]', async () => {
    const run = await pushRun(1);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.outputs.deployed!).sort(), ['api', 'www']);
    assert.deepEqual(JSON.parse(run.outputs.failed!), []);
    for (const name of ['www', 'api']) {
      assert.ok(existsSync(join(target, name, 'fullchain.pem')));
      assert.match(readFileSync(join(target, name, 'combined.pem'), 'utf8'), /PRIVATE KEY/);
    }
    const log = git(origin, 'log', '-1', '--format=%s%n%b', 'main');
    assert.match(log, /record 2 deploy event/);
    assert.match(log, /\[skip ci\]/);
    const ledger = execFileSync('git', ['show', 'main:reports/audit.jsonl'], { cwd: origin, encoding: 'utf8' });
    assert.equal(verifyLedger(ledger).ok, true);
    assert.equal(ledger.trim().split('\n').length, 2);
    assert.match(ledger, /"event_type":"certificate_deployed"/);
    assert.match(run.summary, /2 deployed, 0 unchanged, 0 failed/);
    assert.doesNotMatch(run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), /AGE-SECRET-KEY|PRIVATE KEY-----/);
  });

  it('a rerun changes nothing and commits nothing', async () => {
    const tip = git(origin, 'rev-parse', 'main');
    const run = await pushRun(2);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.outputs.deployed!), []);
    assert.match(run.summary, /0 deployed, 2 unchanged/);
    assert.equal(git(origin, 'rev-parse', 'main'), tip);
  });

  it('without a push event or a selection it fails clearly', async () => {
    const workspace = join(root, 'checkout3');
    git(root, 'clone', '-q', `file://${origin}`, workspace);
    const run = await runAction('dist/deploy/index.js', 'actions/deploy/action.yml', { workspace, inputs: { identity }, event: { name: 'workflow_dispatch', payload: {} } });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /::error::Nothing selected/);
  });
});

describe('dist/deploy/index.js with deployments: true records GitHub deployments', () => {
  let repo: CertopsOrigin;
  let root: string;
  let origin: string;
  let identity: string;
  let beforeSha: string;
  let double: GitHubDouble;
  const git = (cwd: string, ...args: string[]) => repo.git(cwd, ...args);

  before(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    // www goes to a directory and to a hook that always fails; api only to the directory.
    repo = await createCertopsOrigin({
      prefix: 'certops-deploy-records-',
      issuedAt: new Date('2026-11-27T10:00:00Z'),
      manifest: (recipient, scratch) =>
        `version: 1\ndefaults: { issuer: internal, duration: 30d }\nrecipients: [${recipient}]\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ntargets:\n  edge: { files: { dir: "${join(scratch, 'served')}/{name}" } }\n  hook: { command: { run: ["${process.execPath}", "-e", "process.exit(1)"], timeout: 20s } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n    deploy: [edge, hook]\n  - name: api\n    dnsNames: [api.example.test]\n    deploy: [edge]\n`,
    });
    ({ root, origin, identity, inventorySha: beforeSha } = repo);
    double = await startGitHubDouble({ owner: 'example', repo: 'certs', token: 'ghs_deployments' });
  });
  after(async () => {
    await double?.close();
    repo?.remove();
  });

  const pushRun = async (n: number) => {
    const workspace = join(root, `checkout${n}`);
    git(root, 'clone', '-q', `file://${origin}`, workspace);
    const sha = git(workspace, 'rev-parse', 'HEAD');
    return runAction('dist/deploy/index.js', 'actions/deploy/action.yml', {
      workspace,
      inputs: { identity, now: '2026-11-28T00:00:00Z', deployments: 'true', 'github-token': 'ghs_deployments', repository: 'example/certs', 'commit-ledger': 'false' },
      event: { name: 'push', payload: { before: beforeSha, after: sha, ref: 'refs/heads/main' } },
      env: { GITHUB_API_URL: double.url, GITHUB_SERVER_URL: 'https://github.com', GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'example/certs', GITHUB_RUN_ID: String(300 + n), GITHUB_SHA: sha, GITHUB_ACTOR: 'octocat' },
    });
  };

  it('one deployment per target: success where everything deployed, failure where the hook failed', async () => {
    const run = await pushRun(1);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.outputs.failed!), ['www']);
    const recorded = JSON.parse(run.outputs.deployments!) as { environment: string; id: number; state: string }[];
    assert.deepEqual(recorded.map(({ environment, state }) => ({ environment, state })).sort((a, b) => a.environment.localeCompare(b.environment)), [
      { environment: 'certops/edge', state: 'success' },
      { environment: 'certops/hook', state: 'failure' },
    ]);
    const sha = git(origin, 'rev-parse', 'main');
    const edge = double.deployments.get(recorded.find((d) => d.environment === 'certops/edge')!.id)!;
    const hook = double.deployments.get(recorded.find((d) => d.environment === 'certops/hook')!.id)!;
    for (const d of [edge, hook]) {
      assert.equal(d.sha, sha);
      assert.equal(d.ref, sha);
      assert.equal(d.task, 'deploy:certificates');
      assert.equal(d.creator, double.actor);
    }
    const payload = edge.payload as { certificates: { name: string; serial: string }[] };
    assert.deepEqual(payload.certificates.map((c) => c.name).sort(), ['api', 'www']);
    for (const c of payload.certificates) assert.match(c.serial, /^[0-9a-f]+$/i);
    assert.deepEqual(edge.statuses.map((s) => s.state), ['success']);
    assert.deepEqual(hook.statuses.map((s) => s.state), ['failure']);
    assert.match(hook.statuses[0]!.description, /^www failed, (not )?rolled back$/);
    assert.equal(hook.statuses[0]!.logUrl, 'https://github.com/example/certs/actions/runs/301');
    for (const req of double.requestsFor('repos/create-deployment')) {
      assert.equal((req.body as { auto_merge: boolean }).auto_merge, false);
      assert.deepEqual((req.body as { required_contexts: string[] }).required_contexts, []);
    }
    assert.match(run.summary, /GitHub deployment \d+ \(certops\/hook\): failure/);
    assert.doesNotMatch(run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n'), /ghs_deployments/);
    assert.deepEqual(double.violations, []);
  });

  it('a rerun adds a status to the failing target\'s deployment and leaves the unchanged one alone', async () => {
    const count = double.deployments.size;
    const run = await pushRun(2);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const recorded = JSON.parse(run.outputs.deployments!) as { environment: string; id: number; state: string }[];
    assert.deepEqual(recorded.map(({ environment, state }) => ({ environment, state })), [{ environment: 'certops/hook', state: 'failure' }]);
    assert.equal(double.deployments.size, count);
    assert.deepEqual(double.deployments.get(recorded[0]!.id)!.statuses.map((s) => s.state), ['failure', 'failure']);
    assert.deepEqual(double.violations, []);
  });

  it('without a token it deploys, warns and records nothing', async () => {
    const workspace = join(root, 'checkout3');
    git(root, 'clone', '-q', `file://${origin}`, workspace);
    const before = double.requests.length;
    const run = await runAction('dist/deploy/index.js', 'actions/deploy/action.yml', {
      workspace,
      inputs: { identity, now: '2026-11-28T00:00:00Z', deployments: 'true', 'github-token': '', repository: 'example/certs', 'commit-ledger': 'false', only: 'api' },
      env: { GITHUB_API_URL: double.url, GITHUB_SHA: git(workspace, 'rev-parse', 'HEAD') },
    });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.deployments, '[]');
    assert.ok(run.annotations.some((a) => a.level === 'warning' && /github-token/.test(a.message)), run.stdout);
    assert.equal(double.requests.length, before);
  });
});
