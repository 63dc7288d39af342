// dist/report/index.js on a schedule, as the runner runs it: reports committed back once,
// the dashboard issue created once and kept in place, nothing committed when nothing changed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, runAction } from '../helpers/action-runner.js';
import { createCertopsOrigin, type CertopsOrigin } from '../helpers/certops-origin.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

describe('dist/report/index.js on a schedule', () => {
  let repo: CertopsOrigin;
  let root: string;
  let origin: string;
  let double: GitHubDouble;
  const git = (cwd: string, ...args: string[]) => repo.git(cwd, ...args);

  before(async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    repo = await createCertopsOrigin({
      prefix: 'certops-report-action-',
      issuedAt: new Date('2026-11-01T09:00:00Z'),
      manifest: (recipient) =>
        `version: 1\ndefaults: { issuer: internal, renewBefore: 10d }\nrecipients: [${recipient}]\nowners: { web: [alice], data: [example/dba] }\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n    duration: 30d\n    owners: [web]\n  - name: db\n    dnsNames: [db.example.test]\n    duration: 90d\n    owners: [data]\n`,
    });
    ({ root, origin } = repo);
    double = await startGitHubDouble({ owner: 'example', repo: 'certs', token: 'ghs_test' });
  });
  after(async () => {
    await double?.close();
    repo?.remove();
  });

  const dashboardIssue = () => [...double.issues.values()].find((i) => String(i.body).includes('<!-- certops:dashboard -->'))!;

  const scheduled = async (n: number, now: string, extra: Record<string, string> = {}) => {
    const workspace = join(root, `checkout${n}`);
    git(root, 'clone', '-q', `file://${origin}`, workspace);
    return runAction('dist/report/index.js', 'actions/report/action.yml', {
      workspace,
      inputs: { now, 'github-token': 'ghs_test', repository: 'example/certs', ...extra },
      event: { name: 'schedule', payload: {} },
      env: { GITHUB_API_URL: double.url, GITHUB_REF_NAME: 'main', GITHUB_REPOSITORY: 'example/certs' },
    });
  };

  it('commits the reports, annotates the expiring certificate and opens the dashboard issue', async () => {
    const run = await scheduled(1, '2026-11-27T08:00:00Z', { author: 'PKI Bot <pki-bot@example.test>' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const changed = JSON.parse(run.outputs.changed!) as string[];
    for (const f of ['reports/expiry.md', 'reports/expiry.json', 'reports/expiry.svg', 'reports/metrics.prom', 'reports/evidence.md']) assert.ok(changed.includes(f), f);
    assert.match(git(origin, 'log', '-1', '--format=%B', 'main'), /update reports[\s\S]*\[skip ci\]/);
    assert.equal(git(origin, 'log', '-1', '--format=%an <%ae>', 'main'), 'PKI Bot <pki-bot@example.test>');
    assert.match(git(origin, 'show', 'main:reports/metrics.prom'), /certops_certificate_expiration_timestamp_seconds\{name="www"/);
    const www = run.annotations.find((a) => a.properties.title === 'certops: www expiring');
    assert.ok(www, run.stdout);
    assert.equal(www.level, 'error');
    assert.match(www.message, /www expires in [1-4] day\(s\).*@alice/);
    assert.equal(run.outputs['ledger-ok'], 'true');
    assert.equal(run.outputs['dashboard-issue'], String(dashboardIssue().number));
    assert.deepEqual(double.violations, []);
  });

  it('a rerun the same day commits nothing and leaves the dashboard issue as it is', async () => {
    const tip = git(origin, 'rev-parse', 'main');
    const run = await scheduled(2, '2026-11-27T08:30:00Z');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(JSON.parse(run.outputs.changed!), []);
    assert.equal(git(origin, 'rev-parse', 'main'), tip);
    assert.equal([...double.issues.values()].filter((i) => !('pull' in i)).length, 1);
  });

  it('the next day the reports change and the same issue is updated in place', async () => {
    const before = dashboardIssue().body;
    const run = await scheduled(3, '2026-11-28T08:00:00Z');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok((JSON.parse(run.outputs.changed!) as string[]).length > 0);
    assert.equal([...double.issues.values()].filter((i) => !('pull' in i)).length, 1);
    assert.notEqual(dashboardIssue().body, before);
    assert.deepEqual(double.violations, []);
  });

  it('an annotation is an error exactly where the report says critical or expired', async () => {
    const run = await scheduled(4, '2026-11-28T08:00:00Z', { thresholds: '3,14,30', commit: 'false', dashboard: 'false' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const status = (JSON.parse(readFileSync(join(root, 'checkout4/reports/expiry.json'), 'utf8')) as { certificates: { name: string; daysLeft: number; status: string }[] }).certificates.find((c) => c.name === 'www')!;
    const www = run.annotations.find((a) => a.properties.title === 'certops: www expiring');
    assert.ok(www, run.stdout);
    // Three whole days left, but more than the 3-day critical threshold: a warning, as in expiry.md.
    assert.equal(status.daysLeft, 3);
    assert.equal(status.status, 'warning');
    assert.equal(www.level, 'warning');
  });
});
