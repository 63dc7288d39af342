import type { GitHubClient as Octokit } from './octokit.js';
import type { TargetOutcome, TargetStatus } from '../deploy/types.js';

/** The environment each target is recorded under, unless the caller names another template. */
export const DEFAULT_DEPLOYMENT_ENVIRONMENT = 'certops/{target}';

/** The deployment `task`: lets other tooling tell certificate deploys from application deploys. */
export const DEPLOYMENT_TASK = 'deploy:certificates';

/** GitHub refuses a status description longer than this. */
export const STATUS_DESCRIPTION_MAX = 140;

export interface DeploymentRecordsOptions {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** The commit that was deployed (GITHUB_SHA). */
  sha: string;
  /**
   * Every certificate × target outcome of the run (deployed, unchanged and failed; rolled-back
   * ones are failed ones). A target is recorded when at least one outcome on it is not `unchanged`.
   */
  outcomes: TargetOutcome[];
  /** Environment name; `{target}` is replaced by the target's name. Default `certops/{target}`. */
  environment?: string;
  /** The run's URL, shown as the status's log link. Anything but an http(s) URL is left out. */
  logUrl?: string;
  log?: (line: string) => void;
}

export type DeploymentState = 'success' | 'failure';

export interface RecordedDeployment {
  target: string;
  environment: string;
  /** The deployment's id on GitHub. */
  id: number;
  state: DeploymentState;
  /** False when a deployment of the same commit, task and environment existed (a rerun) and got the new status. */
  created: boolean;
}

export interface DeploymentRecordFailure {
  target: string;
  environment: string;
  message: string;
}

export interface DeploymentRecordsResult {
  recorded: RecordedDeployment[];
  /** Targets whose record could not be written; the certificates themselves are not affected. */
  errors: DeploymentRecordFailure[];
}

/** The payload of each deployment: what went to the target, so the deployment says which certificate it was. */
export type CertificateDeploymentPayload = {
  target: string;
  certificates: { name: string; serial: string | null; notAfter: string | null; status: TargetStatus }[];
};

/** Checks an environment template; returns the problem, or undefined when it can be used. */
export function environmentTemplateProblem(template: string): string | undefined {
  // Without the target in the name every target lands in one environment, and each success would mark the others inactive.
  if (!template.includes('{target}')) return `must contain {target}; got "${template}"`;
  return undefined;
}

export function environmentFor(template: string, target: string): string {
  return template.split('{target}').join(target);
}

/**
 * Records each target a run changed (or failed on) as a GitHub deployment of `sha` with one
 * status: success when every certificate on it was deployed or already in place, failure when
 * any failed. A rerun on the same commit adds its status to the existing deployment instead of
 * creating a second one. One target's API failure does not stop the others; it is returned.
 */
export async function recordDeployments(options: DeploymentRecordsOptions): Promise<DeploymentRecordsResult> {
  const { octokit, owner, repo, sha } = options;
  const template = options.environment ?? DEFAULT_DEPLOYMENT_ENVIRONMENT;
  const problem = environmentTemplateProblem(template);
  if (problem) throw new Error(`deployment environment ${problem}`);
  const log = options.log ?? (() => {});
  const logUrl = options.logUrl && /^https?:\/\//.test(options.logUrl) ? options.logUrl : undefined;

  const byTarget = new Map<string, TargetOutcome[]>();
  for (const o of options.outcomes) byTarget.set(o.target, [...(byTarget.get(o.target) ?? []), o]);

  const result: DeploymentRecordsResult = { recorded: [], errors: [] };
  for (const [target, outcomes] of byTarget) {
    if (outcomes.every((o) => o.status === 'unchanged')) continue;
    const environment = environmentFor(template, target);
    const state: DeploymentState = outcomes.some((o) => o.status === 'failed' || o.status === 'rolled-back') ? 'failure' : 'success';
    try {
      const existing = await octokit.rest.repos.listDeployments({ owner, repo, sha, task: DEPLOYMENT_TASK, environment, per_page: 1 });
      let id = existing.data[0]?.id;
      const created = id === undefined;
      if (id === undefined) {
        const payload: CertificateDeploymentPayload = {
          target,
          certificates: outcomes.map((o) => ({ name: o.certificate, serial: o.serial ?? null, notAfter: o.notAfter ?? null, status: o.status })),
        };
        const response = await octokit.rest.repos.createDeployment({
          owner,
          repo,
          ref: sha,
          task: DEPLOYMENT_TASK,
          environment,
          // The commit is already merged and deployed: GitHub must neither merge into it nor wait for its checks.
          auto_merge: false,
          required_contexts: [],
          payload,
          description: truncate(`certops: certificates to ${target}`),
        });
        // 202 means GitHub merged the default branch instead of creating a deployment; auto_merge: false rules it out.
        if (response.status !== 201 || !('id' in response.data)) throw new Error(`GitHub did not create the deployment (${response.status}: ${JSON.stringify(response.data)})`);
        id = response.data.id;
      }
      await octokit.rest.repos.createDeploymentStatus({
        owner,
        repo,
        deployment_id: id,
        state,
        description: statusDescription(outcomes),
        ...(logUrl ? { log_url: logUrl } : {}),
      });
      log(`${environment}: deployment ${id} ${created ? 'created' : 'updated'}, status ${state}`);
      result.recorded.push({ target, environment, id, state, created });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`${environment}: could not record the deployment: ${message}`);
      result.errors.push({ target, environment, message });
    }
  }
  return result;
}

/**
 * One line on what happened on a target, failures first because they are why someone opens it.
 * Cut to GitHub's 140 characters.
 */
export function statusDescription(outcomes: TargetOutcome[]): string {
  const names = (status: TargetStatus) => outcomes.filter((o) => o.status === status).map((o) => o.certificate);
  const parts: string[] = [];
  const rolledBack = names('rolled-back');
  const failed = names('failed');
  const deployed = names('deployed');
  const unchanged = names('unchanged');
  if (failed.length) parts.push(`${failed.join(', ')} failed, not rolled back`);
  if (rolledBack.length) parts.push(`${rolledBack.join(', ')} failed, rolled back`);
  if (deployed.length) parts.push(`${deployed.join(', ')} deployed`);
  if (unchanged.length) parts.push(`${unchanged.join(', ')} unchanged`);
  return truncate(parts.join('; '));
}

function truncate(text: string): string {
  // Code points, not UTF-16 units, so a cut never splits a character.
  const chars = Array.from(text);
  return chars.length <= STATUS_DESCRIPTION_MAX ? text : `${chars.slice(0, STATUS_DESCRIPTION_MAX - 1).join('')}…`;
}
