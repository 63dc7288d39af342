import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createGitHubClient, type GitHubClient } from '../../src/gitops/octokit.js';
import { DAY_MS } from '../../src/manifest/duration.js';
import { DASHBOARD_LABEL, DASHBOARD_MARKER } from '../../src/report/dashboard.js';
import { upsertDashboardIssue } from '../../src/report/dashboard-issue.js';
import { generateReports } from '../../src/report/generate-reports.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

const OWNER = 'example';
const REPO = 'certs';
const TOKEN = 'dashboard-token';
const FIXTURE = new URL('../fixtures/report/repo/', import.meta.url).pathname;
const NOW = new Date('2026-03-15T12:00:00Z');

describe('the dashboard issue against the GitHub double', () => {
  let double: GitHubDouble;
  let octokit: GitHubClient;
  let repoDir: string;

  beforeEach(async () => {
    double = await startGitHubDouble({ owner: OWNER, repo: REPO, token: TOKEN });
    octokit = createGitHubClient({ token: TOKEN, baseUrl: double.url, retryBaseMs: 1, throttle: false });
    repoDir = mkdtempSync(join(tmpdir(), 'certops-dashboard-'));
    cpSync(FIXTURE, repoDir, { recursive: true });
  });
  afterEach(async () => {
    await double.close();
    rmSync(repoDir, { recursive: true, force: true });
  });

  /** One report run: what the report action does with the dashboard. */
  const runAt = async (now: Date) => {
    const { dashboard } = generateReports({ repoDir, now, lint: false, reportsUrl: `https://github.com/${OWNER}/${REPO}/blob/main/reports` });
    return upsertDashboardIssue({ octokit, owner: OWNER, repo: REPO, ...dashboard });
  };
  const dashboards = () => [...double.issues.values()].filter((i) => !i.pull && i.labels.includes(DASHBOARD_LABEL) && (i.body ?? '').includes(DASHBOARD_MARKER));

  it('is created once and updated in place over three runs, found among other labelled issues', async () => {
    // Issues and a pull request that share the label but are not the dashboard, more than a page of them.
    for (let i = 0; i < 105; i++) double.seedIssue({ title: `Someone else's ${i}`, body: 'no marker here', labels: [DASHBOARD_LABEL] });
    double.seedPull({ title: 'A pull request quoting the marker', head: 'feature', body: `copied: ${DASHBOARD_MARKER}`, labels: [DASHBOARD_LABEL] });

    const first = await runAt(NOW);
    assert.equal(first.action, 'created');
    assert.equal(dashboards().length, 1);
    const issue = double.issues.get(first.number)!;
    assert.equal(issue.title, 'Certificate dashboard: 5 expiring, 2 failed, 1 not issued, 2 unmanaged');
    assert.ok(issue.body!.startsWith(DASHBOARD_MARKER));
    assert.match(issue.body!, /@example\/payments @alice/);
    assert.match(issue.body!, /\[expiry\.md\]\(https:\/\/github\.com\/example\/certs\/blob\/main\/reports\/expiry\.md\)/);

    const second = await runAt(NOW);
    assert.deepEqual({ action: second.action, number: second.number }, { action: 'unchanged', number: first.number });
    assert.equal(double.requestsFor('issues/update').length, 0, 'nothing sent when nothing changed');

    const third = await runAt(new Date(NOW.getTime() + 4 * DAY_MS));
    assert.deepEqual({ action: third.action, number: third.number }, { action: 'updated', number: first.number });
    assert.equal(dashboards().length, 1);
    assert.match(double.issues.get(first.number)!.body!, /as of \*\*2026-03-19\*\*/);
    assert.equal(double.requestsFor('issues/create').length, 1);
    assert.equal(double.requestsFor('issues/update').length, 1);
    assert.deepEqual(third.duplicates, []);
    assert.deepEqual(double.violations, []);
  });

  it('reopens a closed dashboard instead of opening a second one, and names duplicates made by hand', async () => {
    const closed = double.seedIssue({ title: 'Certificate dashboard', body: `${DASHBOARD_MARKER}\nold`, labels: [DASHBOARD_LABEL], state: 'closed' });
    const result = await runAt(NOW);
    assert.equal(result.action, 'updated');
    assert.equal(result.number, closed.number);
    assert.equal(double.issues.get(closed.number)!.state, 'open');
    assert.equal(dashboards().length, 1);

    const copy = double.seedIssue({ title: 'copy', body: `${DASHBOARD_MARKER}\ncopy`, labels: [DASHBOARD_LABEL] });
    const again = await runAt(NOW);
    assert.equal(again.number, closed.number, 'the oldest open one stays the dashboard');
    assert.deepEqual(again.duplicates, [copy.number]);
    assert.deepEqual(double.violations, []);
  });
});
