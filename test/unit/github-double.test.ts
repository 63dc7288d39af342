import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createGitHubClient, type GitHubClient } from '../../src/gitops/octokit.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { GitHubOpenApi, rewriteNullable } from '../helpers/github-openapi.js';

const api = GitHubOpenApi.load();
const createPull = api.operation('POST', '/repos/{owner}/{repo}/pulls');
const listPulls = api.operation('GET', '/repos/{owner}/{repo}/pulls');

describe('GitHub OpenAPI validator', () => {
  it('accepts a valid request', () => {
    const problems = api.validateRequest(createPull, { pathParams: { owner: 'o', repo: 'r' }, query: new URLSearchParams(), body: { title: 'Renew', head: 'certops/renew', base: 'main', body: 'x', draft: false } });
    assert.deepEqual(problems, []);
  });

  it('flags an invalid body: missing required field, wrong type, unknown field', () => {
    const problems = api.validateRequest(createPull, { pathParams: { owner: 'o', repo: 'r' }, query: new URLSearchParams(), body: { title: 42, head: 'x', bsae: 'main' } });
    assert.ok(problems.some((p) => /required property 'base'/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /\/title must be string/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p) => /"bsae" is not in pulls\/create/.test(p)), problems.join('\n'));
  });

  it('flags a missing required body, and a body where none is taken', () => {
    assert.deepEqual(api.validateRequest(createPull, { pathParams: { owner: 'o', repo: 'r' }, query: new URLSearchParams(), body: undefined }), ['pulls/create requires a JSON body']);
    assert.deepEqual(api.validateRequest(listPulls, { pathParams: { owner: 'o', repo: 'r' }, query: new URLSearchParams(), body: {} }), ['pulls/list takes no request body']);
  });

  it('flags bad path and query parameters, and unknown query parameters', () => {
    const labels = api.operation('POST', '/repos/{owner}/{repo}/issues/{issue_number}/labels');
    assert.deepEqual(api.validateRequest(labels, { pathParams: { owner: 'o', repo: 'r', issue_number: 'seven' }, query: new URLSearchParams(), body: { labels: ['a'] } }), ['path parameter issue_number: / must be integer']);
    const problems = api.validateRequest(listPulls, { pathParams: { owner: 'o', repo: 'r' }, query: new URLSearchParams('state=opened&per_page=ten&heads=o:b'), body: undefined });
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems.join('\n'), /state: \/ must be equal to one of the allowed values/);
    assert.match(problems.join('\n'), /per_page: \/ must be integer/);
    assert.match(problems.join('\n'), /heads is not a parameter of pulls\/list/);
  });

  it('flags a response missing a required field, and accepts it once the field is there', () => {
    const user = { login: 'x', id: 1, node_id: 'U_1', avatar_url: 'https://a.example/u', gravatar_id: null, url: 'https://api.example/users/x', html_url: 'https://example/x', followers_url: 'https://api.example/f', following_url: 'f', gists_url: 'g', starred_url: 's', subscriptions_url: 'https://api.example/s', organizations_url: 'https://api.example/o', repos_url: 'https://api.example/r', events_url: 'e', received_events_url: 'https://api.example/re', type: 'User', site_admin: false };
    const pointer = '/components/schemas/simple-user';
    assert.deepEqual(api.check(pointer, user), []);
    const { node_id: _drop, ...withoutNodeId } = user;
    assert.deepEqual(api.check(pointer, withoutNodeId), ["value: / must have required property 'node_id'"]);
    // nullable (OpenAPI 3.0) is honoured: gravatar_id may be null, but not a number.
    assert.match(api.check(pointer, { ...user, gravatar_id: 5 }).join('\n'), /gravatar_id must be string/);
  });

  it('flags a response status the operation does not document', () => {
    assert.match(api.validateResponse(createPull, 200, {}).join('\n'), /status 200 is not a documented response of pulls\/create/);
    assert.match(api.validateResponse(createPull, 201, { number: 1 }).join('\n'), /must have required property '_links'/);
  });

  it('rewrites nullable schemas to anyOf with null', () => {
    assert.deepEqual(rewriteNullable({ type: 'string', nullable: true, description: 'd' }), { anyOf: [{ type: 'string', description: 'd' }, { type: 'null' }] });
    assert.deepEqual(rewriteNullable({ properties: { a: { allOf: [{ $ref: '#/x' }], nullable: true } } }), { properties: { a: { anyOf: [{ allOf: [{ $ref: '#/x' }] }, { type: 'null' }] } } });
  });

  it('matches literal path segments before parameters', () => {
    assert.equal(api.match('GET', '/repos/o/r/pulls/comments')?.operation.operationId, 'pulls/list-review-comments-for-repo');
    assert.deepEqual(api.match('GET', '/repos/o/r/pulls/12')?.pathParams, { owner: 'o', repo: 'r', pull_number: '12' });
    assert.equal(api.match('POST', '/graphql'), undefined);
  });
});

describe('GitHub double over HTTP', () => {
  let double: GitHubDouble;
  let octokit: GitHubClient;
  before(async () => {
    double = await startGitHubDouble({ owner: 'acme', repo: 'certs', token: 'secret-token', collaborators: ['alice', 'bob'], teams: ['pki'] });
    octokit = createGitHubClient({ token: 'secret-token', baseUrl: double.url, throttle: false, retryBaseMs: 1, retries: 0 });
  });
  after(() => double.close());

  it('serves every endpoint with responses that satisfy GitHub\'s description', async () => {
    const repo = await octokit.rest.repos.get({ owner: 'acme', repo: 'certs' });
    assert.equal(repo.data.default_branch, 'main');
    const pr = await octokit.rest.pulls.create({ owner: 'acme', repo: 'certs', head: 'feature', base: 'main', title: 'T', body: 'B' });
    assert.equal(pr.status, 201);
    await octokit.rest.pulls.update({ owner: 'acme', repo: 'certs', pull_number: pr.data.number, body: 'B2' });
    const labels = await octokit.rest.issues.addLabels({ owner: 'acme', repo: 'certs', issue_number: pr.data.number, labels: ['certificates', 'Renewal'] });
    assert.deepEqual(labels.data.map((l) => l.name), ['certificates', 'Renewal']);
    const reviewed = await octokit.rest.pulls.requestReviewers({ owner: 'acme', repo: 'certs', pull_number: pr.data.number, reviewers: ['alice'], team_reviewers: ['pki'] });
    assert.deepEqual(reviewed.data.requested_reviewers?.map((u) => u.login), ['alice']);
    assert.deepEqual(reviewed.data.requested_teams?.map((t) => t.slug), ['pki']);
    const got = await octokit.rest.pulls.get({ owner: 'acme', repo: 'certs', pull_number: pr.data.number });
    assert.equal(got.data.body, 'B2');
    const listed = await octokit.rest.pulls.list({ owner: 'acme', repo: 'certs', head: 'acme:feature', state: 'open' });
    assert.deepEqual(listed.data.map((p) => p.number), [pr.data.number]);
    const issue = await octokit.rest.issues.create({ owner: 'acme', repo: 'certs', title: 'Certificate dashboard', body: '<!-- certops-dashboard -->', labels: ['certops-dashboard'] });
    await octokit.rest.issues.update({ owner: 'acme', repo: 'certs', issue_number: issue.data.number, body: 'updated' });
    const issues = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'certs', labels: 'certops-dashboard', state: 'open', creator: 'github-actions[bot]' });
    assert.deepEqual(issues.data.map((i) => i.number), [issue.data.number]);
    // Pull requests are issues too, as on GitHub: a dashboard lookup must skip them itself.
    const all = await octokit.rest.issues.listForRepo({ owner: 'acme', repo: 'certs', state: 'all' });
    assert.deepEqual(all.data.map((i) => [i.number, i.pull_request !== undefined]), [[2, false], [1, true]]);
    assert.deepEqual(double.violations, []);
  });

  it('answers 422 for a second pull request from the same branch, as GitHub does', async () => {
    const error = await octokit.rest.pulls.create({ owner: 'acme', repo: 'certs', head: 'feature', base: 'main', title: 'again' }).then(() => undefined, (e: unknown) => e as { status: number; response: { data: { errors: { message: string }[] } } });
    assert.equal(error?.status, 422);
    assert.match(error!.response.data.errors[0]!.message, /A pull request already exists for acme:feature/);
    assert.deepEqual(double.violations, []);
  });

  it('paginates with Link headers', async () => {
    for (let i = 0; i < 4; i++) double.seedIssue({ title: `old ${i}`, labels: ['bulk'] });
    const pages: number[] = [];
    for await (const page of octokit.paginate.iterator(octokit.rest.issues.listForRepo, { owner: 'acme', repo: 'certs', labels: 'bulk', per_page: 3 })) pages.push(page.data.length);
    assert.deepEqual(pages, [3, 1]);
    assert.deepEqual(double.violations, []);
  });

  it('records a violation and answers 500 for a request GitHub would reject', async () => {
    const before = double.violations.length;
    const res = await fetch(`${double.url}/repos/acme/certs/pulls`, { method: 'POST', headers: { authorization: 'token secret-token', 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x', head: 'y' }) });
    assert.equal(res.status, 500);
    const body = (await res.json()) as { errors: string[] };
    assert.match(body.errors.join('\n'), /required property 'base'/);
    assert.equal(double.violations.length, before + 1);
    assert.equal(double.violations.at(-1)?.operationId, 'pulls/create');
    double.violations.length = before;
  });

  it('records a violation for an endpoint GitHub does not have, and one the double does not serve', async () => {
    const before = double.violations.length;
    const unknown = await fetch(`${double.url}/repos/acme/certs/pull-requests`, { headers: { authorization: 'token secret-token' } });
    assert.equal(unknown.status, 500);
    const unserved = await fetch(`${double.url}/repos/acme/certs/pulls/1/merge`, { method: 'PUT', headers: { authorization: 'token secret-token', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(unserved.status, 500);
    assert.match(double.violations.slice(before).map((v) => v.problems.join(' ')).join('\n'), /not an endpoint of GitHub's REST API description[\s\S]*does not serve pulls\/merge/);
    double.violations.length = before;
  });

  it('flags a head filter without its owner, which GitHub silently ignores', async () => {
    const before = double.violations.length;
    await octokit.rest.pulls.list({ owner: 'acme', repo: 'certs', head: 'feature' });
    assert.match(double.violations.slice(before)[0]?.problems[0] ?? '', /head filter "feature" has no owner/);
    double.violations.length = before;
  });

  it('refuses a request without the token', async () => {
    const before = double.violations.length;
    const res = await fetch(`${double.url}/repos/acme/certs`);
    assert.equal(res.status, 401);
    assert.equal(double.violations.length, before + 1);
    double.violations.length = before;
  });
});
