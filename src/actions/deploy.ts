import * as core from '@actions/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { deployCertificates, type DeployResult } from '../deploy/index.js';
import { loadDeploySources } from '../deploy/load-sources.js';
import type { LifecycleEvent } from '../events/event.js';
import { commitBack } from '../gitops/commit-back.js';
import { DEFAULT_DEPLOYMENT_ENVIRONMENT, environmentTemplateProblem, recordDeployments, type RecordedDeployment } from '../gitops/deployments.js';
import { apiUrlFromEnv, createGitHubClient } from '../gitops/octokit.js';
import { appendEvents, LEDGER_FILE } from '../report/ledger-file.js';
import { authorInput } from './author-input.js';
import { DeployInputs, DeployOutputs } from './constants.js';
import { maskIdentity, nowInput, runUrl as workflowRunUrl } from './run-context.js';
import { context } from './github-context.js';

/** The deploy action: what the push changed goes to its targets, is verified, and is rolled back on failure. */
export async function run(): Promise<void> {
  const workDir = mkdtempSync(join(process.env.RUNNER_TEMP || process.env.TMPDIR || '/tmp', 'certops-deploy-'));
  try {
    const env = process.env;
    const repoDir = resolve(env.GITHUB_WORKSPACE || process.cwd(), core.getInput(DeployInputs.Repo) || '.');
    const identity = core.getInput(DeployInputs.Identity) || env.CERTOPS_AGE_IDENTITY || '';
    if (!identity) throw new Error(`Input "${DeployInputs.Identity}" is required: the age identity that decrypts certs/<name>/key.pem.age (pass it from a secret).`);
    maskIdentity(identity);
    const now = nowInput(DeployInputs.Now);
    const author = authorInput(DeployInputs.Author);
    const only = core.getInput(DeployInputs.Only).split(/[\s,]+/).filter(Boolean);
    const all = core.getBooleanInput(DeployInputs.All);
    // On push, GitHub gives the commit before the push: what changed since then is what to deploy.
    const since = core.getInput(DeployInputs.Since) || (context.eventName === 'push' ? String(context.payload.before ?? '') : '');
    if (!since && !only.length && !all) throw new Error(`Nothing selected: on a push the event's "before" commit is used; otherwise set "${DeployInputs.Since}", "${DeployInputs.Only}" or "${DeployInputs.All}".`);
    const deployments = core.getBooleanInput(DeployInputs.Deployments);
    const token = core.getInput(DeployInputs.Token);
    if (token) core.setSecret(token);
    const repository = core.getInput(DeployInputs.Repository) || env.GITHUB_REPOSITORY || '';
    const environmentTemplate = core.getInput(DeployInputs.DeploymentEnvironment) || DEFAULT_DEPLOYMENT_ENVIRONMENT;
    // Checked before anything is deployed: a wrong input found afterwards would leave servers changed and no record of it.
    if (deployments) {
      const problem = environmentTemplateProblem(environmentTemplate);
      if (problem) throw new Error(`Input "${DeployInputs.DeploymentEnvironment}" ${problem}.`);
      if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) throw new Error(`Input "${DeployInputs.Repository}" must be {owner}/{repo}; got "${repository}".`);
    }

    const { manifest, lock } = loadDeploySources(repoDir);
    const events: LifecycleEvent[] = [];
    const runUrl = workflowRunUrl(env);
    core.startGroup('Deploy');
    const result = await deployCertificates({
      repoDir,
      manifest,
      lock,
      ...(since ? { since } : {}),
      ...(only.length ? { only } : {}),
      ...(all ? { all: true } : {}),
      identity,
      workDir,
      now,
      events: { emit: (e) => void events.push(e) },
      log: (line) => core.info(line),
      runUrl,
      actor: env.GITHUB_ACTOR || 'certops',
      ...(env.GITHUB_SHA ? { commit: env.GITHUB_SHA } : {}),
    });
    core.endGroup();

    const names = (list: DeployResult['deployed']) => JSON.stringify([...new Set(list.map((o) => o.certificate))]);
    core.setOutput(DeployOutputs.Deployed, names(result.deployed));
    core.setOutput(DeployOutputs.Failed, names(result.failed));
    core.setOutput(DeployOutputs.RolledBack, names(result.rolledBack));
    for (const o of result.failed) core.error(o.message, { title: `certops deploy: ${o.certificate} -> ${o.target}` });

    let recorded: RecordedDeployment[] = [];
    if (deployments) recorded = await recordGitHubDeployments({ token, repository, sha: env.GITHUB_SHA ?? '', environmentTemplate, runUrl, result });
    core.setOutput(DeployOutputs.Deployments, JSON.stringify(recorded.map(({ environment, id, state }) => ({ environment, id, state }))));

    // The deploy already happened: a ledger commit the branch refuses is reported after the summary.
    let ledgerError: string | undefined;
    const ledgerBranch = core.getInput(DeployInputs.LedgerBranch) || env.GITHUB_REF_NAME || 'main';
    if (events.length && core.getBooleanInput(DeployInputs.CommitLedger)) {
      core.startGroup('Audit ledger');
      try {
        const committed = await commitBack({
          repoDir,
          branch: ledgerBranch,
          message: `certops: record ${events.length} deploy event(s)`,
          paths: [LEDGER_FILE],
          ...(author ? { author } : {}),
          produce: async () => void (await appendEvents(repoDir, events)),
          log: (line) => core.info(line),
        });
        core.info(`audit ledger: ${committed.action}`);
      } catch (error) {
        ledgerError = error instanceof Error ? error.message : String(error);
        core.error(`Could not record ${events.length} deploy event(s) in ${LEDGER_FILE} on ${ledgerBranch}: ${ledgerError}`, { title: 'certops deploy: audit ledger' });
      }
      core.endGroup();
    }
    try {
      await writeSummary(result, recorded);
    } catch (error) {
      core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!result.ok) core.setFailed(`certops deploy: ${result.failed.length} deploy(s) failed (${result.rolledBack.length} rolled back). See the job summary.`);
    else if (ledgerError) core.setFailed(`certops deploy: deployed, but the events could not be committed to ${ledgerBranch} (${ledgerError}). Let the workflow push to ${ledgerBranch}, or set commit-ledger: false.`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/**
 * A deployment record that cannot be written is a warning, not a failure: the certificates are
 * already in service (or rolled back), and failing the job would say otherwise.
 */
async function recordGitHubDeployments(s: { token: string; repository: string; sha: string; environmentTemplate: string; runUrl: string; result: DeployResult }): Promise<RecordedDeployment[]> {
  const title = 'certops deploy: GitHub deployments';
  if (!s.token) {
    core.warning(`Input "${DeployInputs.Deployments}" is true but "${DeployInputs.Token}" is empty: no deployment recorded.`, { title });
    return [];
  }
  if (!s.sha) {
    core.warning('GITHUB_SHA is not set: no commit to record the deployments for.', { title });
    return [];
  }
  const [owner, repo] = s.repository.split('/') as [string, string];
  core.startGroup('GitHub deployments');
  const r = await recordDeployments({
    octokit: createGitHubClient({ token: s.token, baseUrl: apiUrlFromEnv() }),
    owner,
    repo,
    sha: s.sha,
    outcomes: [...s.result.deployed, ...s.result.unchanged, ...s.result.failed],
    environment: s.environmentTemplate,
    logUrl: s.runUrl,
    log: (line) => core.info(line),
  });
  core.endGroup();
  for (const e of r.errors) core.warning(`Could not record the deployment to ${e.environment}: ${e.message} (a 403 or 404 usually means the job lacks permissions: deployments: write).`, { title });
  return r.recorded;
}

async function writeSummary(result: DeployResult, recorded: RecordedDeployment[]): Promise<void> {
  const rows = [...result.deployed, ...result.unchanged, ...result.failed];
  const s = core.summary
    .addHeading('certops deploy', 2)
    .addRaw(`${result.deployed.length} deployed, ${result.unchanged.length} unchanged, ${result.failed.length} failed, ${result.rolledBack.length} rolled back.`, true);
  if (rows.length) {
    s.addTable([
      [{ data: 'certificate', header: true }, { data: 'target', header: true }, { data: 'status', header: true }, { data: 'serial', header: true }, { data: 'steps', header: true }],
      ...rows.map((o) => [o.certificate, o.target, o.status, o.serial ?? '—', o.message]),
    ]);
  }
  for (const skipped of result.skipped) s.addRaw(`${skipped.certificate}: skipped, ${skipped.reason}`, true);
  for (const d of recorded) s.addRaw(`GitHub deployment ${d.id} (${d.environment}): ${d.state}`, true);
  await s.write();
}
