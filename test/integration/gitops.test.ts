import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Git, GitPushRejectedError } from '../../src/gitops/git.js';
import { createGitHubClient, type GitHubClient } from '../../src/gitops/octokit.js';
import { createOrUpdatePullRequest, splitReviewers, type PullRequestOptions } from '../../src/gitops/pull-request.js';
import { createOrUpdateRenewalBranch, type RenewalBranchOptions } from '../../src/gitops/renewal-branch.js';
import { branchesOfGitRepo, startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

const OWNER = 'acme';
const REPO = 'certs';
const TOKEN = 'ghs_test_token';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_AUTHOR_NAME: 'Seed', GIT_AUTHOR_EMAIL: 'seed@example.com', GIT_COMMITTER_NAME: 'Seed', GIT_COMMITTER_EMAIL: 'seed@example.com' } }).trim();
}

function write(root: string, path: string, content: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A bare origin with one commit on main, and a clone of it as the working repository. */
function makeRepos(): { root: string; origin: string; work: string } {
  const root = mkdtempSync(join(tmpdir(), 'certops-gitops-'));
  const origin = join(root, 'origin.git');
  const seed = join(root, 'seed');
  const work = join(root, 'work');
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  git(root, 'clone', '--quiet', origin, seed);
  write(seed, 'certificates.yaml', 'version: 1\ncertificates:\n  - name: api\n    dnsNames: [api.example.com]\n');
  write(seed, 'certificates.lock.yaml', 'version: 1\ncertificates: {}\n');
  write(seed, 'README.md', '# certs\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'seed');
  git(seed, 'push', '--quiet', 'origin', 'HEAD:main');
  git(root, 'clone', '--quiet', origin, work);
  return { root, origin, work };
}

/** What one renewal run writes into the working tree: a certificate and its lock entry. */
function writeRenewal(work: string, serial: string): void {
  write(work, 'certs/api/cert.pem', `-----BEGIN CERTIFICATE-----\nserial ${serial}\n-----END CERTIFICATE-----\n`);
  write(work, 'certs/api/key.pem.age', `age-encryption.org/v1 (key for ${serial})\n`);
  write(work, 'certificates.lock.yaml', `version: 1\ncertificates:\n  api:\n    serial: "${serial}"\n`);
}

describe('renewal branch and pull request against a bare origin and the GitHub double', () => {
  let repos: ReturnType<typeof makeRepos>;
  let double: GitHubDouble;
  let octokit: GitHubClient;

  beforeEach(async () => {
    repos = makeRepos();
    double = await startGitHubDouble({ owner: OWNER, repo: REPO, token: TOKEN, branchSha: branchesOfGitRepo(repos.origin), collaborators: ['alice'], teams: ['pki'] });
    // GitHub's write pacing (1 s between writes, 3 s between notifying ones) is shared by every
    // client in the process; only the three-run test pays for it, to prove the real settings work.
    octokit = createGitHubClient({ token: TOKEN, baseUrl: double.url, retryBaseMs: 1, throttle: false });
  });
  afterEach(async () => {
    await double.close();
    rmSync(repos.root, { recursive: true, force: true });
  });

  const branchOptions = (over: Partial<RenewalBranchOptions> = {}): RenewalBranchOptions => ({
    repoDir: repos.work,
    paths: ['certs', 'certificates.lock.yaml'],
    base: 'main',
    message: 'Renew certificates',
    ...over,
  });
  const prOptions = (over: Partial<PullRequestOptions> = {}): PullRequestOptions => ({
    octokit,
    owner: OWNER,
    repo: REPO,
    head: 'certops/renew',
    base: 'main',
    title: 'Renew 1 certificate',
    body: '| name | reason |\n|---|---|\n| api | missing |\n',
    labels: ['certificates', 'renewal'],
    reviewers: ['@alice', 'acme/pki'],
    ...over,
  });

  it('three runs: created, then not-updated and unchanged, then updated; always one pull request', async () => {
    octokit = createGitHubClient({ token: TOKEN, baseUrl: double.url, retryBaseMs: 1 });
    // Run 1: the branch and the pull request appear.
    writeRenewal(repos.work, '01');
    const b1 = await createOrUpdateRenewalBranch(branchOptions());
    assert.equal(b1.action, 'created');
    assert.equal(b1.pushed, true);
    const mainTip = git(repos.origin, 'rev-parse', 'refs/heads/main');
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew'), b1.headSha);
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew^'), mainTip, 'one commit on top of main');
    assert.match(git(repos.origin, 'show', 'refs/heads/certops/renew:certs/api/cert.pem'), /serial 01/);
    assert.equal(git(repos.origin, 'log', '-1', '--format=%an <%ae>|%cn', 'refs/heads/certops/renew'), 'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>|github-actions[bot]');
    assert.deepEqual(git(repos.origin, 'diff', '--name-only', 'main', 'certops/renew').split('\n'), ['certificates.lock.yaml', 'certs/api/cert.pem', 'certs/api/key.pem.age']);
    const p1 = await createOrUpdatePullRequest(prOptions());
    assert.equal(p1.action, 'created');
    assert.deepEqual(p1.labelsAdded, ['certificates', 'renewal']);
    assert.deepEqual(p1.reviewersRequested, { users: ['alice'], teams: ['pki'] });
    assert.deepEqual(p1.warnings, []);
    assert.equal(double.pulls().length, 1);
    const pr = double.pulls()[0]!;
    assert.equal(p1.number, pr.number);
    assert.equal(p1.url, `${double.url}/${OWNER}/${REPO}/pull/${pr.number}`);
    assert.equal(pr.pull.head, 'certops/renew');
    assert.equal(pr.pull.headSha, b1.headSha);
    assert.deepEqual(pr.labels, ['certificates', 'renewal']);
    assert.deepEqual(pr.pull.requestedTeams, ['pki']);

    // Run 2: the same content. Nothing is pushed, nothing is written to GitHub.
    const writesBefore = double.requests.filter((r) => r.method !== 'GET').length;
    const b2 = await createOrUpdateRenewalBranch(branchOptions());
    assert.equal(b2.action, 'not-updated');
    assert.equal(b2.pushed, false);
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew'), b1.headSha);
    const p2 = await createOrUpdatePullRequest(prOptions());
    assert.equal(p2.action, 'unchanged');
    assert.equal(p2.number, p1.number);
    assert.deepEqual(p2.labelsAdded, []);
    assert.deepEqual(p2.reviewersRequested, { users: [], teams: [] });
    assert.equal(double.requests.filter((r) => r.method !== 'GET').length, writesBefore, 'a rerun with nothing new writes nothing');

    // Run 3: a new certificate. The branch is replaced, the same pull request is updated.
    writeRenewal(repos.work, '02');
    const b3 = await createOrUpdateRenewalBranch(branchOptions());
    assert.equal(b3.action, 'updated');
    assert.equal(b3.previousSha, b1.headSha);
    assert.notEqual(b3.headSha, b1.headSha);
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew'), b3.headSha);
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew^'), mainTip);
    assert.match(git(repos.origin, 'show', 'refs/heads/certops/renew:certs/api/cert.pem'), /serial 02/);
    const p3 = await createOrUpdatePullRequest(prOptions({ body: '| name | reason |\n|---|---|\n| api | expiring |\n' }));
    assert.equal(p3.action, 'updated');
    assert.equal(p3.number, p1.number);
    assert.equal(double.pulls().length, 1, 'still exactly one pull request');
    assert.match(double.pulls()[0]!.body ?? '', /expiring/);
    assert.equal(double.pulls()[0]!.pull.headSha, b3.headSha);
    assert.equal(double.requestsFor('pulls/create').length, 1);

    // Every list lookup filtered by owner:branch, and nothing broke GitHub's description.
    assert.ok(double.requestsFor('pulls/list').every((r) => r.query.head === `${OWNER}:certops/renew` && r.query.state === 'open'));
    assert.deepEqual(double.violations, []);
  });

  it('leaves the checkout alone: HEAD, index and config are as they were', async () => {
    const head = git(repos.work, 'rev-parse', 'HEAD');
    const config = git(repos.work, 'config', '--local', '--list');
    writeRenewal(repos.work, '01');
    write(repos.work, 'README.md', 'a local edit that is not part of the renewal\n');
    await createOrUpdateRenewalBranch(branchOptions());
    assert.equal(git(repos.work, 'rev-parse', 'HEAD'), head);
    assert.equal(git(repos.work, 'symbolic-ref', 'HEAD'), 'refs/heads/main');
    assert.equal(git(repos.work, 'config', '--local', '--list'), config);
    assert.equal(git(repos.work, 'diff', '--cached', '--name-only'), '', 'nothing staged in the user\'s index');
    assert.equal(git(repos.origin, 'show', 'refs/heads/certops/renew:README.md'), '# certs', 'only the given paths are taken from the working tree');
  });

  it('none: when the paths already match base, nothing is pushed', async () => {
    const b = await createOrUpdateRenewalBranch(branchOptions());
    assert.equal(b.action, 'none');
    assert.equal(b.pushed, false);
    assert.throws(() => git(repos.origin, 'rev-parse', '--verify', '--quiet', 'refs/heads/certops/renew'));
  });

  it('rebases onto a base that moved, even when the renewal content is the same', async () => {
    writeRenewal(repos.work, '01');
    const first = await createOrUpdateRenewalBranch(branchOptions());
    // Someone merges something else into main.
    const other = join(repos.root, 'other');
    git(repos.root, 'clone', '--quiet', repos.origin, other);
    write(other, 'README.md', '# certs, edited\n');
    git(other, 'commit', '--quiet', '-am', 'docs');
    git(other, 'push', '--quiet', 'origin', 'HEAD:main');
    const again = await createOrUpdateRenewalBranch(branchOptions());
    assert.equal(again.action, 'updated');
    assert.equal(again.previousSha, first.headSha);
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew^'), git(repos.origin, 'rev-parse', 'refs/heads/main'));
    assert.equal(git(repos.origin, 'show', 'refs/heads/certops/renew:README.md'), '# certs, edited');
  });

  it('takes deletions under the paths too', async () => {
    writeRenewal(repos.work, '01');
    await createOrUpdateRenewalBranch(branchOptions());
    // The branch is merged; later the certificate is removed from the manifest and its files deleted.
    rmSync(join(repos.work, 'certs'), { recursive: true });
    git(repos.work, 'checkout', '--quiet', '--', '.');
    git(repos.work, 'fetch', '--quiet', 'origin');
    git(repos.work, 'merge', '--quiet', '--ff-only', 'origin/certops/renew');
    git(repos.work, 'push', '--quiet', 'origin', 'HEAD:main');
    rmSync(join(repos.work, 'certs/api'), { recursive: true });
    const b = await createOrUpdateRenewalBranch(branchOptions({ paths: ['certs', 'certificates.lock.yaml', 'certs/gone/cert.pem'] }));
    assert.equal(b.action, 'updated');
    assert.equal(git(repos.origin, 'ls-tree', '-r', '--name-only', 'refs/heads/certops/renew', 'certs'), '');
  });

  it('loses the lease instead of overwriting a branch someone else pushed', async () => {
    writeRenewal(repos.work, '01');
    const first = await createOrUpdateRenewalBranch(branchOptions());
    const g = new Git(repos.work);
    const tree = await g.treeOf(first.headSha!);
    const stranger = await g.commitTree(tree, [first.baseSha], 'someone else', { author: { name: 'x', email: 'x@example.com' } });
    // We believe the branch is at the first commit; it is, so this lease holds...
    await g.pushWithLease('origin', stranger, 'certops/renew', first.headSha);
    // ...and now it is not: pushing with the old expectation must fail, not overwrite.
    await assert.rejects(g.pushWithLease('origin', first.headSha!, 'certops/renew', first.headSha), GitPushRejectedError);
    await assert.rejects(g.pushWithLease('origin', first.headSha!, 'brand-new', 'f'.repeat(40)), GitPushRejectedError);
    await assert.rejects(g.pushWithLease('origin', first.headSha!, 'certops/renew', undefined), GitPushRejectedError, 'expecting absence when the branch exists');
    assert.equal(git(repos.origin, 'rev-parse', 'refs/heads/certops/renew'), stranger);
  });

  it('works on a shallow clone, as actions/checkout makes by default', async () => {
    const shallow = join(repos.root, 'shallow');
    git(repos.root, 'clone', '--quiet', '--depth=1', `file://${repos.origin}`, shallow);
    writeRenewal(shallow, '01');
    const b1 = await createOrUpdateRenewalBranch(branchOptions({ repoDir: shallow }));
    assert.equal(b1.action, 'created');
    assert.equal((await createOrUpdateRenewalBranch(branchOptions({ repoDir: shallow }))).action, 'not-updated');
    writeRenewal(shallow, '02');
    assert.equal((await createOrUpdateRenewalBranch(branchOptions({ repoDir: shallow }))).action, 'updated');
  });

  it('local mode (no remote): commits to the local branch, idempotently', async () => {
    writeRenewal(repos.work, '01');
    const b1 = await createOrUpdateRenewalBranch(branchOptions({ remote: null, author: { name: 'Ops', email: 'ops@example.com' }, date: new Date('2025-03-01T00:00:00Z') }));
    assert.equal(b1.action, 'created');
    assert.equal(b1.pushed, false);
    assert.equal(git(repos.work, 'rev-parse', 'refs/heads/certops/renew'), b1.headSha);
    assert.equal(git(repos.work, 'log', '-1', '--format=%an <%ae> %aI', 'certops/renew'), 'Ops <ops@example.com> 2025-03-01T00:00:00+00:00');
    assert.equal((await createOrUpdateRenewalBranch(branchOptions({ remote: null }))).action, 'not-updated');
    assert.throws(() => git(repos.origin, 'rev-parse', '--verify', '--quiet', 'refs/heads/certops/renew'), 'nothing pushed');
  });

  it('refuses clear mistakes with a clear message', async () => {
    await assert.rejects(createOrUpdateRenewalBranch(branchOptions({ base: 'trunk' })), /base branch "trunk" does not exist on origin/);
    await assert.rejects(createOrUpdateRenewalBranch(branchOptions({ branch: 'main' })), /both "main"/);
    git(repos.work, 'checkout', '--quiet', '-b', 'certops/renew');
    await assert.rejects(createOrUpdateRenewalBranch(branchOptions()), /checked out/);
  });

  it('a pull request opened by a concurrent run between lookup and create is updated, not duplicated', async () => {
    writeRenewal(repos.work, '01');
    await createOrUpdateRenewalBranch(branchOptions());
    double.intercept((req) => {
      // The other run wins the race: its pull request appears just before our create arrives.
      if (req.operationId === 'pulls/create' && req.attempt === 0) double.seedPull({ title: 'from the other run', head: 'certops/renew', base: 'main' });
    });
    const p = await createOrUpdatePullRequest(prOptions());
    assert.equal(p.action, 'updated');
    assert.equal(double.pulls().length, 1);
    assert.equal(double.pulls()[0]!.title, 'Renew 1 certificate');
    assert.equal(double.requestsFor('pulls/create')[0]?.status, 422);
    assert.deepEqual(double.violations, []);
  });

  it('a 422 that is not a duplicate (no commits between) is an error, not swallowed', async () => {
    git(repos.work, 'push', '--quiet', 'origin', 'main:refs/heads/certops/renew');
    await assert.rejects(createOrUpdatePullRequest(prOptions()), /refused to open a pull request from certops\/renew into main.*422.*No commits between main and certops\/renew/);
    assert.equal(double.pulls().length, 0);
    assert.deepEqual(double.violations, []);
  });

  it('a reviewer who is not a collaborator is a warning; the pull request stands', async () => {
    writeRenewal(repos.work, '01');
    await createOrUpdateRenewalBranch(branchOptions());
    const p = await createOrUpdatePullRequest(prOptions({ reviewers: ['mallory'] }));
    assert.equal(p.action, 'created');
    assert.equal(p.warnings.length, 1);
    assert.match(p.warnings[0]!, /could not request reviews from mallory on #1: 422 .*not a collaborator/);
    assert.deepEqual(double.violations, []);
  });

  it('retries a server error and carries on', async () => {
    writeRenewal(repos.work, '01');
    await createOrUpdateRenewalBranch(branchOptions());
    double.intercept((req) => (req.operationId === 'pulls/list' && req.attempt === 0 ? { status: 502, body: { message: 'Server Error' } } : undefined));
    const p = await createOrUpdatePullRequest(prOptions());
    assert.equal(p.action, 'created');
    assert.deepEqual(double.requestsFor('pulls/list').map((r) => r.status).slice(0, 2), [502, 200]);
    assert.deepEqual(double.violations, []);
  });

  it('moves an open pull request back to the configured base', async () => {
    git(repos.work, 'push', '--quiet', 'origin', 'main:refs/heads/release');
    writeRenewal(repos.work, '01');
    await createOrUpdateRenewalBranch(branchOptions());
    double.seedPull({ title: 'Renew 1 certificate', head: 'certops/renew', base: 'release', body: prOptions().body });
    const p = await createOrUpdatePullRequest(prOptions());
    assert.equal(p.action, 'updated');
    assert.equal(double.pulls()[0]!.pull.base, 'main');
    assert.deepEqual(double.violations, []);
  });
});

describe('splitReviewers', () => {
  it('turns owners into logins and team slugs', () => {
    assert.deepEqual(splitReviewers(['@alice', 'bob', 'acme/pki', '@acme/sre', ' ', 'alice']), { users: ['alice', 'bob'], teams: ['pki', 'sre'] });
  });
});

describe('the GitHub client', () => {
  let double: GitHubDouble;
  before(async () => {
    double = await startGitHubDouble({ owner: OWNER, repo: REPO, token: TOKEN });
  });
  after(() => double.close());

  it('takes its base URL from GITHUB_API_URL when none is given', async () => {
    const saved = process.env.GITHUB_API_URL;
    process.env.GITHUB_API_URL = `${double.url}/`;
    try {
      const client = createGitHubClient({ token: TOKEN, throttle: false });
      const repo = await client.rest.repos.get({ owner: OWNER, repo: REPO });
      assert.equal(repo.data.full_name, `${OWNER}/${REPO}`);
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL;
      else process.env.GITHUB_API_URL = saved;
    }
    assert.deepEqual(double.violations, []);
  });
});
