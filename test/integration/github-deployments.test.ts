// src/gitops/deployments.ts against the GitHub double: one deployment and one status per target,
// requests GitHub would accept as they are (no checks to wait for, no merge), reruns reuse them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TargetOutcome, TargetStatus } from '../../src/deploy/types.js';
import { DEPLOYMENT_TASK, recordDeployments, statusDescription } from '../../src/gitops/deployments.js';
import { createGitHubClient, type GitHubClient } from '../../src/gitops/octokit.js';
import { startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';

const SHA = 'a'.repeat(40);
const RUN_URL = 'https://github.com/acme/certs/actions/runs/42';

function outcome(certificate: string, target: string, status: TargetStatus, serial = `${certificate}-serial`): TargetOutcome {
  return { certificate, target, status, serial, notAfter: '2027-01-01T00:00:00.000Z', steps: [], message: `${certificate} -> ${target}: ${status}` };
}

describe('GitHub deployment records', () => {
  let double: GitHubDouble;
  let octokit: GitHubClient;
  before(async () => {
    double = await startGitHubDouble({ owner: 'acme', repo: 'certs', token: 'ghs_deploy' });
    octokit = createGitHubClient({ token: 'ghs_deploy', baseUrl: double.url, throttle: false, retries: 0, retryBaseMs: 1 });
  });
  after(() => double.close());
  const record = (outcomes: TargetOutcome[], sha = SHA) => recordDeployments({ octokit, owner: 'acme', repo: 'certs', sha, outcomes, logUrl: RUN_URL });

  it('records each changed target as a deployment with a success or failure status', async () => {
    const r = await record([
      outcome('www', 'edge', 'deployed'),
      outcome('api', 'edge', 'unchanged'),
      outcome('www', 'lb', 'rolled-back'),
      outcome('api', 'lb', 'deployed'),
      outcome('www', 'quiet', 'unchanged'),
    ]);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.recorded.map(({ environment, state, created }) => ({ environment, state, created })), [
      { environment: 'certops/edge', state: 'success', created: true },
      { environment: 'certops/lb', state: 'failure', created: true },
    ]);
    const creates = double.requestsFor('repos/create-deployment');
    assert.equal(creates.length, 2);
    assert.deepEqual(creates[0]!.body, {
      ref: SHA,
      task: DEPLOYMENT_TASK,
      environment: 'certops/edge',
      auto_merge: false,
      required_contexts: [],
      payload: {
        target: 'edge',
        certificates: [
          { name: 'www', serial: 'www-serial', notAfter: '2027-01-01T00:00:00.000Z', status: 'deployed' },
          { name: 'api', serial: 'api-serial', notAfter: '2027-01-01T00:00:00.000Z', status: 'unchanged' },
        ],
      },
      description: 'certops: certificates to edge',
    });
    const [edge, lb] = r.recorded.map((d) => double.deployments.get(d.id)!);
    assert.equal(edge!.sha, SHA);
    assert.deepEqual(edge!.statuses.map((s) => [s.state, s.description, s.logUrl]), [['success', 'www deployed; api unchanged', RUN_URL]]);
    assert.deepEqual(lb!.statuses.map((s) => [s.state, s.description]), [['failure', 'www failed, rolled back; api deployed']]);
    const listed = await octokit.rest.repos.listDeploymentStatuses({ owner: 'acme', repo: 'certs', deployment_id: lb!.id });
    assert.equal(listed.data[0]!.log_url, RUN_URL);
    assert.deepEqual(double.violations, []);
  });

  it('a rerun on the same commit adds a status to the existing deployment', async () => {
    const before = double.deployments.size;
    const r = await record([outcome('www', 'lb', 'deployed'), outcome('api', 'lb', 'unchanged')]);
    assert.deepEqual(r.recorded.map(({ environment, state, created }) => ({ environment, state, created })), [{ environment: 'certops/lb', state: 'success', created: false }]);
    assert.equal(double.deployments.size, before);
    assert.deepEqual(double.deployments.get(r.recorded[0]!.id)!.statuses.map((s) => s.state), ['failure', 'success']);
    const listed = await octokit.rest.repos.listDeployments({ owner: 'acme', repo: 'certs', environment: 'certops/lb' });
    assert.equal(listed.data.length, 1);
    assert.deepEqual(double.violations, []);
  });

  it('a later commit\'s success retires the earlier one (GitHub\'s auto_inactive)', async () => {
    const first = [...double.deployments.values()].find((d) => d.environment === 'certops/edge')!;
    const r = await record([outcome('www', 'edge', 'deployed')], 'b'.repeat(40));
    assert.equal(r.recorded[0]!.created, true);
    assert.deepEqual(first.statuses.map((s) => s.state), ['success', 'inactive']);
    assert.deepEqual(double.violations, []);
  });

  it('a target where nothing failed but no certificate changed is not recorded', async () => {
    const before = double.requests.length;
    const r = await record([outcome('www', 'edge', 'unchanged')], 'c'.repeat(40));
    assert.deepEqual(r, { recorded: [], errors: [] });
    assert.equal(double.requests.length, before);
  });

  it('keeps status descriptions within GitHub\'s 140 characters', async () => {
    const many = Array.from({ length: 30 }, (_, i) => outcome(`certificate-${i}`, 'wide', i % 2 ? 'failed' : 'rolled-back'));
    assert.equal([...statusDescription(many)].length, 140);
    assert.match(statusDescription(many), /^certificate-1, certificate-3, .*…$/);
    const r = await record(many, 'd'.repeat(40));
    assert.deepEqual(r.errors, []);
    assert.equal(r.recorded[0]!.state, 'failure');
    assert.deepEqual(double.violations, []);
  });

  it('one target\'s API failure is reported and does not stop the others', async () => {
    double.intercept((req) => (req.operationId === 'repos/create-deployment' && (req.body as { environment?: string }).environment === 'certops/broken' ? { status: 422, body: { message: 'Validation Failed', documentation_url: 'https://docs.github.com/rest', errors: [{ code: 'custom', message: 'environment is protected' }] } } : undefined));
    const r = await record([outcome('www', 'broken', 'deployed'), outcome('www', 'fine', 'deployed')], 'e'.repeat(40));
    assert.deepEqual(r.recorded.map((d) => d.environment), ['certops/fine']);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]!.environment, 'certops/broken');
    assert.deepEqual(double.violations, []);
  });

  it('uses the environment template and refuses one without {target}', async () => {
    const r = await recordDeployments({ octokit, owner: 'acme', repo: 'certs', sha: 'f'.repeat(40), outcomes: [outcome('www', 'edge', 'deployed')], environment: 'tls-{target}', logUrl: RUN_URL });
    assert.equal(r.recorded[0]!.environment, 'tls-edge');
    await assert.rejects(recordDeployments({ octokit, owner: 'acme', repo: 'certs', sha: SHA, outcomes: [], environment: 'production' }), /must contain \{target\}/);
    assert.deepEqual(double.violations, []);
  });
});

describe('the double\'s deployment endpoints refuse what GitHub would not do as asked', () => {
  let double: GitHubDouble;
  let octokit: GitHubClient;
  before(async () => {
    double = await startGitHubDouble({ owner: 'acme', repo: 'certs' });
    octokit = createGitHubClient({ token: 't', baseUrl: double.url, throttle: false, retries: 0, retryBaseMs: 1 });
  });
  after(() => double.close());

  it('answers 422 to a status description over 140 characters, as GitHub does', async () => {
    const d = await octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'certs', ref: 'main', environment: 'certops/x', required_contexts: [] });
    assert.equal(d.status, 201);
    const id = (d.data as { id: number }).id;
    await assert.rejects(octokit.rest.repos.createDeploymentStatus({ owner: 'acme', repo: 'certs', deployment_id: id, state: 'success', log_url: RUN_URL, description: 'x'.repeat(141) }), (e: { status?: number }) => e.status === 422);
    assert.deepEqual(double.violations, []);
  });

  it('flags a deployment that would make GitHub check commit statuses the double does not keep', async () => {
    await assert.rejects(octokit.rest.repos.createDeployment({ owner: 'acme', repo: 'certs', ref: SHA, auto_merge: false }));
    assert.match(double.violations.map((v) => v.problems.join(' ')).join('\n'), /required_contexts/);
  });
});
