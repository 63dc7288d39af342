import * as core from '@actions/core';
import { resolve } from 'node:path';
import { commitBack } from '../gitops/commit-back.js';
import { readRepoFile, writeRepoFile } from '../repo/confined-io.js';
import { apiUrlFromEnv, createGitHubClient } from '../gitops/octokit.js';
import { generateReports, parseBusinessHours, parseThresholdList, statusOf, upsertDashboardIssue, type GenerateReportsResult } from '../report/index.js';
import { DEFAULT_CURSOR_FILE, forwardLedger, undeliveredLines } from '../report/siem/forward.js';
import { reportGeneratedEvent } from '../report/report-event.js';
import { siemEvent } from '../report/siem/siem-event.js';
import { sinksFromSettings } from '../report/siem/sinks-from-settings.js';
import { DEFAULT_SPOOL_FILE } from '../report/siem/spool.js';
import { authorInput } from './author-input.js';
import { ReportInputs, ReportOutputs } from './constants.js';
import { nowInput, runUrl as workflowRunUrl } from './run-context.js';

/** The report action: reports committed back, alerts annotated, the dashboard issue kept, SIEM fed. */
export async function run(): Promise<void> {
  try {
    const env = process.env;
    const repoDir = resolve(env.GITHUB_WORKSPACE || process.cwd(), core.getInput(ReportInputs.Repo) || '.');
    const now = nowInput(ReportInputs.Now);
    const outDir = core.getInput(ReportInputs.OutDir) || 'reports';
    const thresholdText = core.getInput(ReportInputs.Thresholds);
    let thresholds: ReturnType<typeof parseThresholdList> | undefined;
    try {
      thresholds = thresholdText ? parseThresholdList(thresholdText) : undefined;
    } catch (e) {
      throw new Error(`Input "${ReportInputs.Thresholds}": ${(e as Error).message}`);
    }
    const businessHours = core.getInput(ReportInputs.BusinessHours);
    const token = core.getInput(ReportInputs.Token);
    if (token) core.setSecret(token);
    const siemSecret = core.getInput(ReportInputs.SiemSecret);
    if (siemSecret) core.setSecret(siemSecret);
    const siemToken = core.getInput(ReportInputs.SiemToken);
    if (siemToken) core.setSecret(siemToken);
    const siemFormat = core.getInput(ReportInputs.SiemFormat) || 'json';
    if (siemFormat !== 'json' && siemFormat !== 'splunk-hec') throw new Error(`Input "${ReportInputs.SiemFormat}" must be json or splunk-hec; got "${siemFormat}".`);
    const repository = core.getInput(ReportInputs.Repository) || env.GITHUB_REPOSITORY || '';
    const author = authorInput(ReportInputs.Author);
    const reportsUrl = repository ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${repository}/tree/${env.GITHUB_REF_NAME || 'main'}/${outDir}` : undefined;

    let result: GenerateReportsResult | undefined;
    const generate = () =>
      (result = generateReports({
        repoDir,
        now,
        outDir,
        write: true,
        ...(thresholds ? { thresholds } : {}),
        ...(businessHours ? { businessHours: parseBusinessHours(businessHours) } : {}),
        ...(reportsUrl ? { reportsUrl } : {}),
      }));

    // SIEM first: what it delivered is recorded in the cursor and spool, which the commit carries.
    generate();
    const sinks = sinksFromSettings(repoDir, {
      ...(core.getInput(ReportInputs.SiemFile) ? { file: core.getInput(ReportInputs.SiemFile) } : {}),
      ...(core.getInput(ReportInputs.SiemUrl) ? { url: core.getInput(ReportInputs.SiemUrl), format: siemFormat } : {}),
      ...(siemSecret ? { secret: siemSecret } : {}),
      ...(siemToken ? { token: siemToken } : {}),
    });
    const kept = new Map<string, string>();
    if (sinks.length) {
      const changed = result!.changed;
      if (changed.length) {
        const runUrl = workflowRunUrl(env);
        const event = siemEvent(reportGeneratedEvent({ now, changed, actor: env.GITHUB_ACTOR || 'certops', runUrl, ...(env.GITHUB_SHA ? { commit: env.GITHUB_SHA } : {}) }));
        for (const sink of sinks) await sink.emit(event);
      }
      const forwarded = await forwardLedger({ repoDir, sinks });
      core.info(`SIEM: ${forwarded.forwarded} new ledger event(s) forwarded`);
      for (const line of undeliveredLines(forwarded)) core.warning(line, { title: 'certops report: SIEM delivery' });
      for (const p of [DEFAULT_CURSOR_FILE, DEFAULT_SPOOL_FILE]) {
        try {
          kept.set(p, readRepoFile(repoDir, p).toString('utf8'));
        } catch {
          // not written: nothing to keep
        }
      }
    }

    if (core.getBooleanInput(ReportInputs.Commit)) {
      const committed = await commitBack({
        repoDir,
        branch: core.getInput(ReportInputs.Branch) || env.GITHUB_REF_NAME || 'main',
        message: `certops: update reports`,
        paths: [outDir, ...kept.keys()],
        ...(author ? { author } : {}),
        produce: async (attempt) => {
          if (attempt === 1) return;
          generate();
          for (const [p, text] of kept) writeRepoFile(repoDir, p, text);
        },
        log: (line) => core.info(line),
      });
      core.info(`reports: ${committed.action}`);
    }
    const r = result!;

    for (const a of r.alerts) {
      const text = `${a.certificate} ${a.daysLeft < 0 ? 'has expired' : `expires in ${a.daysLeft} day(s)`} (${a.notAfter})${a.contacts.length ? `: ${a.contacts.map((c) => (c.startsWith('@') ? c : `@${c}`)).join(' ')}` : ''}`;
      // An error where the report says expired or critical, a warning for the rest: the same buckets as expiry.md.
      const status = statusOf(Date.parse(a.notAfter), now.getTime(), r.report.thresholds);
      if (status === 'expired' || status === 'critical') core.error(text, { title: `certops: ${a.certificate} expiring` });
      else core.warning(text, { title: `certops: ${a.certificate} expiring` });
    }
    let dashboardNumber = '';
    if (core.getBooleanInput(ReportInputs.Dashboard) && token && repository) {
      const [owner, repo] = repository.split('/') as [string, string];
      const issue = await upsertDashboardIssue({ octokit: createGitHubClient({ token, baseUrl: apiUrlFromEnv() }), owner, repo, ...r.dashboard });
      dashboardNumber = String(issue.number);
      core.info(`dashboard issue #${issue.number}: ${issue.action}`);
      if (issue.duplicates.length) core.warning(`Other open dashboard issues: ${issue.duplicates.map((n) => `#${n}`).join(', ')}; close them.`);
    }
    core.setOutput(ReportOutputs.Changed, JSON.stringify(r.changed));
    core.setOutput(ReportOutputs.Alerts, JSON.stringify(r.alerts));
    core.setOutput(ReportOutputs.DashboardIssue, dashboardNumber);
    core.setOutput(ReportOutputs.LedgerOk, String(r.ledger.ok));
    try {
      await core.summary.addRaw(r.summary, true).write();
    } catch (error) {
      core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!r.ledger.ok) core.setFailed(`certops report: the audit ledger failed its integrity check at line ${r.ledger.firstBadLine}: ${r.ledger.problem}`);
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
