import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { describeAutoMerge, parseAutoMerge, type AutoMergeMethod } from '../gitops/auto-merge.js';
import { createGitHubClient, apiUrlFromEnv } from '../gitops/octokit.js';
import { publishRenewal, type PublishRenewalResult } from '../gitops/publish-renewal.js';
import { Git } from '../gitops/git.js';
import { DEFAULT_RENEWAL_BRANCH, fetchRenewalBranches } from '../gitops/renewal-branch.js';
import { formatPlan } from '../renewal/format-plan.js';
import { GROUPINGS, type Grouping } from '../renewal/grouping.js';
import { renew, type RenewResult } from '../renewal/renew.js';
import type { LifecycleEvent } from '../events/event.js';
import { commitBack } from '../gitops/commit-back.js';
import { appendEvents, LEDGER_FILE } from '../report/ledger-file.js';
import { authorInput } from './author-input.js';
import { RenewInputs, RenewOutputs } from './constants.js';
import { maskIdentity, nowInput, runUrl } from './run-context.js';

/** Everything the renew action was asked to do, checked. */
interface RenewSettings {
  repoDir: string;
  now: Date;
  concurrency: number;
  dryRun: boolean;
  only: string[];
  force: boolean;
  /** age identity; masked as soon as it is read. */
  identity?: string;
  token: string;
  /** owner/repo the pull request is opened in. */
  repository: string;
  base: string;
  branch: string;
  grouping: Grouping;
  labels: string[];
  draft: boolean;
  /** null: leave merging to people. */
  autoMerge: AutoMergeMethod | null;
  author?: { name: string; email: string };
  acmeTrustPem?: string[];
  runUrl: string;
  actor: string;
}

function getSettings(env: NodeJS.ProcessEnv = process.env): RenewSettings {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const now = nowInput(RenewInputs.Now);
  const concurrencyText = core.getInput(RenewInputs.Concurrency) || '4';
  const concurrency = Number(concurrencyText);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`Input "${RenewInputs.Concurrency}" must be a whole number from 1 to 64; got "${concurrencyText}".`);
  const identity = core.getInput(RenewInputs.Identity) || env.CERTOPS_AGE_IDENTITY || undefined;
  if (identity) maskIdentity(identity);
  const token = core.getInput(RenewInputs.Token);
  if (token) core.setSecret(token);
  const repository = core.getInput(RenewInputs.Repository) || env.GITHUB_REPOSITORY || '';
  if (!core.getBooleanInput(RenewInputs.DryRun) && !/^[^/\s]+\/[^/\s]+$/.test(repository)) throw new Error(`Input "${RenewInputs.Repository}" must be {owner}/{repo}; got "${repository}".`);
  const author = authorInput(RenewInputs.Author);
  const trust = core.getInput(RenewInputs.AcmeCaCertificate);
  const grouping = core.getInput(RenewInputs.Grouping) || 'all';
  if (!(GROUPINGS as readonly string[]).includes(grouping)) throw new Error(`Input "${RenewInputs.Grouping}" must be one of ${GROUPINGS.join(', ')}; got "${grouping}".`);
  const settings: RenewSettings = {
    repoDir: resolve(workspace, core.getInput(RenewInputs.Repo) || '.'),
    now,
    concurrency,
    dryRun: core.getBooleanInput(RenewInputs.DryRun),
    only: core.getInput(RenewInputs.Only).split(/[\s,]+/).filter(Boolean),
    force: core.getBooleanInput(RenewInputs.Force),
    token,
    repository,
    base: core.getInput(RenewInputs.BaseBranch) || env.GITHUB_REF_NAME || 'main',
    branch: core.getInput(RenewInputs.Branch) || DEFAULT_RENEWAL_BRANCH,
    grouping: grouping as Grouping,
    labels: core.getInput(RenewInputs.Labels).split(',').map((l) => l.trim()).filter(Boolean),
    draft: core.getBooleanInput(RenewInputs.Draft),
    autoMerge: parseAutoMerge(core.getInput(RenewInputs.AutoMerge), `Input "${RenewInputs.AutoMerge}"`),
    runUrl: runUrl(env),
    actor: env.GITHUB_ACTOR || 'certops',
  };
  if (identity) settings.identity = identity;
  if (author) settings.author = author;
  if (trust) settings.acmeTrustPem = [readFileSync(isAbsolute(trust) ? trust : resolve(workspace, trust), 'utf8')];
  return settings;
}

/** The renew action: plan, issue, and open or update the one renewal pull request. */
export async function run(): Promise<void> {
  try {
    const s = getSettings();
    // The renewal branches as last pushed: what they already hold is carried over, not issued again.
    const pending = await fetchRenewalBranches(new Git(s.repoDir), 'origin', s.branch);
    core.startGroup('Plan and issue');
    const events: LifecycleEvent[] = [];
    const result = await renew({
      events: { emit: (e) => void events.push(e) },
      repoDir: s.repoDir,
      now: s.now,
      concurrency: s.concurrency,
      dryRun: s.dryRun,
      ...(s.only.length ? { only: s.only } : {}),
      force: s.force,
      ...(s.identity ? { identity: s.identity } : {}),
      pendingRevisions: pending,
      ...(s.acmeTrustPem ? { acmeTrustPem: s.acmeTrustPem } : {}),
      runUrl: s.runUrl,
      actor: s.actor,
      log: (line) => core.info(line),
    });
    core.info(formatPlan(result.plan));
    core.endGroup();

    // Issued and failed renewals go to the ledger on the base branch now: a failure has no pull
    // request to carry it, and the record must not wait for a merge. Before the branch is built,
    // so the branch sits on the base that holds the record and a rerun finds nothing to rebase.
    // A base branch that refuses the push (branch protection) must not hold back the pull
    // request: the failure is reported at the end of the run instead.
    let ledgerError: string | undefined;
    if (!s.dryRun && events.length && core.getBooleanInput(RenewInputs.CommitLedger)) {
      core.startGroup('Audit ledger');
      try {
        const committed = await commitBack({
          repoDir: s.repoDir,
          branch: s.base,
          message: `certops: record ${events.length} renewal event(s)`,
          paths: [LEDGER_FILE],
          ...(s.author ? { author: s.author } : {}),
          produce: async () => void (await appendEvents(s.repoDir, events)),
          log: (line) => core.info(line),
        });
        core.info(`audit ledger: ${committed.action}`);
      } catch (error) {
        ledgerError = error instanceof Error ? error.message : String(error);
        core.error(`Could not record ${events.length} renewal event(s) in ${LEDGER_FILE} on ${s.base}: ${ledgerError}`, { title: 'certops renew: audit ledger' });
      }
      core.endGroup();
    }

    let published: PublishRenewalResult | undefined;
    if (!s.dryRun && (result.renewed.length || result.removed.length)) {
      core.startGroup('Renewal branch and pull request');
      const [owner, repo] = s.repository.split('/') as [string, string];
      published = await publishRenewal({
        repoDir: s.repoDir,
        result,
        manifest: result.manifest,
        base: s.base,
        branch: s.branch,
        grouping: s.grouping,
        remote: 'origin',
        ...(s.author ? { author: s.author } : {}),
        github: { octokit: createGitHubClient({ token: s.token, baseUrl: apiUrlFromEnv() }), owner, repo, ...(s.labels.length ? { labels: s.labels } : {}), draft: s.draft, autoMerge: s.autoMerge },
        log: (line) => core.info(line),
      });
      for (const g of published.groups) for (const w of g.pullRequest?.warnings ?? []) core.warning(w);
      core.endGroup();
    }

    core.setOutput(RenewOutputs.Renewed, JSON.stringify(result.renewed.map((r) => r.name)));
    core.setOutput(RenewOutputs.Failed, JSON.stringify(result.failed.map((f) => ({ name: f.name, error: f.error }))));
    const pulls = (published?.groups ?? []).flatMap((g) => (g.pullRequest ? [{ number: g.pullRequest.number, url: g.pullRequest.url, branch: g.branch.branch, action: g.pullRequest.action, autoMerge: describeAutoMerge(g.autoMerge) }] : []));
    core.setOutput(RenewOutputs.PullRequestNumber, pulls[0] ? String(pulls[0].number) : '');
    core.setOutput(RenewOutputs.PullRequestUrl, pulls[0]?.url ?? '');
    core.setOutput(RenewOutputs.PullRequests, JSON.stringify(pulls));
    core.setOutput(RenewOutputs.Plan, JSON.stringify(result.plan.certificates.map((c) => ({ name: c.name, due: c.due, reason: c.reason, renewAt: c.renewAt.toISOString(), detail: c.detail }))));
    for (const f of result.failed) core.error(`${f.name} (${f.issuer}): ${f.error}`, { title: `certops renew: ${f.name} failed` });
    for (const f of result.manifestFindings) core.error(f.message, { file: f.file, startLine: f.line, startColumn: f.column, title: f.ruleId });
    try {
      await writeSummary(result, published);
    } catch (error) {
      core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (ledgerError) core.setFailed(`certops renew: the renewal events could not be committed to ${s.base} (${ledgerError}). Let the workflow push to ${s.base}, or set commit-ledger: false.`);
    if (result.failed.length) {
      const carried = result.renewed.length ? ' The pull request carries the others.' : '';
      core.setFailed(`certops renew: ${result.failed.length} certificate(s) failed: ${result.failed.map((f) => f.name).join(', ')}.${carried}`);
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

async function writeSummary(result: RenewResult, published: PublishRenewalResult | undefined): Promise<void> {
  const s = core.summary.addHeading('certops renew', 2);
  if (!result.renewed.length && !result.failed.length) {
    s.addRaw(`Nothing due.${result.plan.nextDue ? ` Next: ${result.plan.nextDue.name} on ${result.plan.nextDue.renewAt.toISOString().slice(0, 10)}.` : ''}`, true);
  } else {
    s.addRaw(`${result.renewed.length} renewed, ${result.failed.length} failed.`, true);
    for (const g of published?.groups ?? []) {
      if (!g.pullRequest) continue;
      s.addLink(`Pull request #${g.pullRequest.number} (${g.pullRequest.action})`, g.pullRequest.url);
      if (g.autoMerge) s.addRaw(g.autoMerge.state === 'enabled' ? `, auto-merge (${g.autoMerge.mergeMethod}) enabled` : `, auto-merge not enabled: ${g.autoMerge.reason}`);
      s.addBreak();
    }
  }
  s.addTable([
    [{ data: 'certificate', header: true }, { data: 'status', header: true }, { data: 'reason', header: true }, { data: 'renew at', header: true }, { data: 'detail', header: true }],
    ...result.plan.certificates.map((c) => {
      const failed = result.failed.find((f) => f.name === c.name);
      const status = failed ? `failed: ${failed.error}` : result.renewed.some((r) => r.name === c.name) ? 'renewed' : c.due ? 'due' : 'ok';
      return [c.name, status, c.reason, c.renewAt.toISOString().slice(0, 16), c.detail || '—'];
    }),
  ]);
  await s.write();
}
