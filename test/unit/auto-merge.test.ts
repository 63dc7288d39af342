import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { describeAutoMerge, ENABLE_AUTO_MERGE, enableAutoMerge, parseAutoMerge } from '../../src/gitops/auto-merge.js';
import { createGitHubClient, type GitHubClient } from '../../src/gitops/octokit.js';
import { createOrUpdatePullRequest } from '../../src/gitops/pull-request.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { GitHubGraphql } from '../helpers/github-graphql.js';

describe('parseAutoMerge', () => {
  it('reads off, true (squash) and the three methods; refuses the rest with the choices', () => {
    assert.equal(parseAutoMerge(''), null);
    assert.equal(parseAutoMerge('false'), null);
    assert.equal(parseAutoMerge('true'), 'squash');
    assert.equal(parseAutoMerge(' Rebase '), 'rebase');
    assert.equal(parseAutoMerge('merge'), 'merge');
    assert.throws(() => parseAutoMerge('fast-forward', 'Input "auto-merge"'), /Input "auto-merge" must be false, true \(squash\) or one of merge, squash, rebase; got "fast-forward"/);
  });
});

describe('enableAutoMerge against the GitHub double', () => {
  let double: GitHubDouble;
  let octokit: GitHubClient;
  let branch = 0;
  const openPull = async () => {
    const pr = await createOrUpdatePullRequest({ octokit, owner: 'acme', repo: 'certs', head: `certops/renew-${++branch}`, base: 'main', title: 'Renew certificates', body: 'table' });
    assert.equal(pr.action, 'created');
    assert.equal(pr.autoMerge, null);
    return pr;
  };

  before(async () => {
    double = await startGitHubDouble({ owner: 'acme', repo: 'certs', token: 'secret-token' });
    octokit = createGitHubClient({ token: 'secret-token', baseUrl: double.url, throttle: false, retryBaseMs: 1, retries: 0 });
  });
  afterEach(() => {
    double.autoMergePolicy.allowed = true;
    double.autoMergePolicy.requiresChecks = true;
  });
  after(() => double.close());

  it('enables it through the GraphQL mutation, and REST then reports it', async () => {
    const pr = await openPull();
    const result = await enableAutoMerge({ octokit, pullRequestId: pr.nodeId, mergeMethod: 'squash', label: `#${pr.number}` });
    assert.equal(result.state, 'enabled');
    assert.match(result.state === 'enabled' ? String(result.enabledAt) : '', /^\d{4}-\d\d-\d\dT/);
    assert.equal(describeAutoMerge(result), 'enabled');
    const sent = double.requestsFor('graphql');
    assert.equal(sent.length, 1);
    assert.deepEqual((sent[0]!.body as { variables: unknown }).variables, { pullRequestId: pr.nodeId, mergeMethod: 'SQUASH' });
    assert.equal(double.pulls().find((p) => p.number === pr.number)?.pull.autoMerge?.mergeMethod, 'SQUASH');
    // The REST view (checked against the OpenAPI description) shows the same state, so a rerun sees it.
    const again = await createOrUpdatePullRequest({ octokit, owner: 'acme', repo: 'certs', head: `certops/renew-${branch}`, base: 'main', title: 'Renew certificates', body: 'table' });
    assert.equal(again.action, 'unchanged');
    assert.deepEqual(again.autoMerge, { mergeMethod: 'squash' });
    const rerun = await enableAutoMerge({ octokit, pullRequestId: again.nodeId, mergeMethod: 'squash', current: again.autoMerge });
    assert.deepEqual(rerun, { state: 'enabled', mergeMethod: 'squash', enabledAt: null });
    assert.equal(double.requestsFor('graphql').length, 1, 'already enabled with that method: no second mutation');
    assert.deepEqual(double.violations, []);
  });

  it('a repository without auto-merge: a failed result with a warning, not a throw', async () => {
    const pr = await openPull();
    double.autoMergePolicy.allowed = false;
    const result = await enableAutoMerge({ octokit, pullRequestId: pr.nodeId, mergeMethod: 'rebase', label: `#${pr.number}` });
    assert.equal(result.state, 'failed');
    assert.equal(describeAutoMerge(result), 'failed: Auto merge is not allowed for this repository (UNPROCESSABLE)');
    assert.match(result.state === 'failed' ? result.warning : '', new RegExp(`could not enable auto-merge \\(rebase\\) on #${pr.number}: Auto merge is not allowed.*stays open`));
    assert.equal(double.pulls().find((p) => p.number === pr.number)?.pull.autoMerge, undefined);
    assert.deepEqual(double.violations, []);
  });

  it('a base branch that requires nothing, a closed pull request, an unknown id: each a failed result', async () => {
    const clean = await openPull();
    double.autoMergePolicy.requiresChecks = false;
    assert.match(describeAutoMerge(await enableAutoMerge({ octokit, pullRequestId: clean.nodeId, mergeMethod: 'squash' })), /^failed: Pull request Pull request is in clean status/);
    double.autoMergePolicy.requiresChecks = true;
    const closed = double.seedPull({ title: 'old', head: 'certops/old', state: 'closed' });
    assert.match(describeAutoMerge(await enableAutoMerge({ octokit, pullRequestId: closed.pull.nodeId, mergeMethod: 'squash' })), /^failed: Pull request is not in the correct state to enable auto-merge/);
    assert.match(describeAutoMerge(await enableAutoMerge({ octokit, pullRequestId: 'PR_nope', mergeMethod: 'squash' })), /^failed: Could not resolve to a node with the global id of 'PR_nope'\. \(NOT_FOUND\)/);
    assert.deepEqual(double.violations, []);
  });

  it('an HTTP failure (a 502, retries off) is a failed result too', async () => {
    const pr = await openPull();
    double.intercept((r) => (r.operationId === 'graphql' && (r.body as { variables?: { pullRequestId?: string } }).variables?.pullRequestId === pr.nodeId ? { status: 502, body: { message: 'Server Error' } } : undefined));
    const result = await enableAutoMerge({ octokit, pullRequestId: pr.nodeId, mergeMethod: 'merge' });
    assert.match(describeAutoMerge(result), /^failed: HTTP 502/);
    assert.deepEqual(double.violations, []);
  });

  it('off is reported as off', () => {
    assert.equal(describeAutoMerge(undefined), 'off');
  });
});

describe('the double checks GraphQL against GitHub\'s schema', () => {
  const graphql = GitHubGraphql.load();
  const mutation = (selection: string, args = 'pullRequestId: $id, mergeMethod: $mergeMethod') =>
    `mutation($id: ID!, $mergeMethod: PullRequestMergeMethod!) { enablePullRequestAutoMerge(input: { ${args} }) { ${selection} } }`;

  it('accepts the mutation certops sends', () => {
    const { problems, request } = graphql.check({ query: ENABLE_AUTO_MERGE, variables: { pullRequestId: 'PR_1', mergeMethod: 'SQUASH' } });
    assert.deepEqual(problems, []);
    assert.deepEqual(request?.rootFields, ['enablePullRequestAutoMerge']);
  });

  it('flags an unknown field, a wrong argument, a bad enum value, a syntax error and a missing query', () => {
    assert.match(graphql.check({ query: mutation('pullRequest { idd }'), variables: { id: 'x', mergeMethod: 'SQUASH' } }).problems.join('\n'), /Cannot query field "idd" on type "PullRequest"/);
    assert.match(graphql.check({ query: mutation('clientMutationId', 'pullRequestId: $id, mergeMethod: $mergeMethod, method: SQUASH'), variables: { id: 'x', mergeMethod: 'SQUASH' } }).problems.join('\n'), /Field "method" is not defined by type "EnablePullRequestAutoMergeInput"/);
    assert.match(graphql.check({ query: mutation('clientMutationId'), variables: { id: 'x', mergeMethod: 'squash' } }).problems.join('\n'), /Value "squash" does not exist in "PullRequestMergeMethod" enum/);
    assert.match(graphql.check({ query: mutation('clientMutationId'), variables: { id: 'x' } }).problems.join('\n'), /Variable "\$mergeMethod" of required type "PullRequestMergeMethod!" was not provided/);
    assert.match(graphql.check({ query: 'mutation { enablePullRequestAutoMerge(' }).problems.join('\n'), /GraphQL syntax/);
    assert.match(graphql.check({ variables: {} }).problems.join('\n'), /no "query"/);
  });

  describe('over HTTP', () => {
    let double: GitHubDouble;
    let octokit: GitHubClient;
    before(async () => {
      double = await startGitHubDouble({ owner: 'acme', repo: 'certs', token: 'secret-token' });
      octokit = createGitHubClient({ token: 'secret-token', baseUrl: double.url, throttle: false, retryBaseMs: 1, retries: 0 });
    });
    after(() => double.close());

    it('records an invalid query as a violation and answers GraphQL errors', async () => {
      const error = await octokit.graphql(mutation('pullRequest { idd }'), { id: 'x', mergeMethod: 'SQUASH' }).then(() => undefined, (e: unknown) => e as { errors?: { message: string }[] });
      assert.match(error?.errors?.[0]?.message ?? '', /Cannot query field "idd"/);
      assert.equal(double.violations.length, 1);
      assert.equal(double.violations[0]!.operationId, 'graphql');
      double.violations.length = 0;
    });

    it('records a field the double does not model as a violation instead of answering null', async () => {
      const pr = await octokit.rest.pulls.create({ owner: 'acme', repo: 'certs', head: 'feature', base: 'main', title: 'T' });
      await octokit.graphql(mutation('pullRequest { id mergeable }'), { id: pr.data.node_id, mergeMethod: 'MERGE' }).catch(() => undefined);
      assert.match(double.violations.map((v) => v.problems.join(' ')).join('\n'), /does not serve PullRequest\.mergeable/);
      double.violations.length = 0;
    });
  });
});
