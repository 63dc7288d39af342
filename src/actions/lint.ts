import * as core from '@actions/core';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { Finding, FindingCounts } from '../findings.js';
import { readRepoFileIfPresent } from '../repo/confined-io.js';
import { toJsonFinding } from '../policy/format-json.js';
import { countsLine } from '../policy/format-text.js';
import { runLint, type LintOptions, type LintResult } from '../policy/lint.js';
import { formatSarif } from '../policy/sarif.js';
import { commitBack } from '../gitops/commit-back.js';
import { newViolationEvents } from '../policy/violation-events.js';
import { appendEvents, LEDGER_FILE, readLedgerEntries } from '../report/ledger-file.js';
import { LintOutputs } from './constants.js';
import { runUrl } from './run-context.js';
import { getInputs, type LintSettings } from './input-helper.js';

/** Rows in the job summary table; the SARIF file and the annotations carry every finding. */
export const SUMMARY_ROW_LIMIT = 200;
/** GitHub keeps at most 1 MB of outputs per job; the findings output stays well inside that. */
const FINDINGS_OUTPUT_LIMIT = 512 * 1024;

/** The lint action: inputs in, annotations, SARIF, summary and outputs out. Never throws. */
export async function run(): Promise<void> {
  try {
    const settings = await getInputs();
    const options: LintOptions = { repoDir: settings.repoDir, now: settings.now };
    if (settings.manifestFile !== undefined) options.manifestFile = settings.manifestFile;
    if (settings.policiesDir !== undefined) options.policiesDir = settings.policiesDir;
    if (settings.baseRev !== undefined) options.baseRev = settings.baseRev;
    core.info(
      `certops lint: ${settings.repoDir} at ${settings.now.toISOString()}; ` +
        (settings.baseRev ? `policies from ${settings.baseRev} (${settings.baseSource === 'event' ? 'the pull request base' : 'input base'})` : 'policies from the working tree'),
    );

    const result = runLint(options);
    const prefix = workspacePrefix(settings);

    for (const f of result.findings) annotate(f, prefix);

    mkdirSync(dirname(settings.sarifFile), { recursive: true });
    const sarifOptions: { pathPrefix: string; informationUri?: string } = { pathPrefix: prefix };
    const informationUri = actionRepositoryUrl();
    if (informationUri) sarifOptions.informationUri = informationUri;
    writeFileSync(settings.sarifFile, formatSarif(result.findings, sarifOptions));

    core.setOutput(LintOutputs.Errors, result.counts.error);
    core.setOutput(LintOutputs.Warnings, result.counts.warning);
    core.setOutput(LintOutputs.Findings, findingsOutput(result.findings, prefix));
    core.setOutput(LintOutputs.SarifFile, settings.sarifFile);

    try {
      await writeSummary(result, settings, prefix);
    } catch (error) {
      // The annotations, outputs and SARIF already carry the findings; a missing summary file must not hide the verdict.
      core.warning(`Could not write the job summary: ${error instanceof Error ? error.message : String(error)}`);
    }
    core.info(`certops lint: ${countsLine(result.counts)}; SARIF written to ${settings.sarifFile}`);

    if (settings.recordViolations && result.counts.error > 0) await recordViolations(result.findings, settings);

    const failing = failingCount(result.counts, settings.failOn);
    if (failing > 0) {
      core.setFailed(
        `certops lint: ${failing} finding${failing === 1 ? '' : 's'} at or above fail-on: ${settings.failOn} (${countsLine(result.counts)}). See the annotations and the job summary.`,
      );
    }
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

function failingCount(counts: FindingCounts, failOn: LintSettings['failOn']): number {
  return failOn === 'error' ? counts.error : failOn === 'warning' ? counts.error + counts.warning : 0;
}

/**
 * Annotations and code scanning resolve paths against the checkout root; when `repo` is a
 * subfolder of it, finding paths need that folder in front.
 */
function workspacePrefix(settings: LintSettings): string {
  const rel = relative(settings.workspace, settings.repoDir);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return '';
  return rel.split(sep).join('/');
}

function withPrefix(prefix: string, file: string): string {
  return prefix ? `${prefix}/${file}` : file;
}

function annotate(f: Finding, prefix: string): void {
  const properties: core.AnnotationProperties = { title: f.ruleId, file: withPrefix(prefix, f.file), startLine: f.line, startColumn: f.column };
  if (f.severity === 'error') core.error(f.message, properties);
  else if (f.severity === 'warning') core.warning(f.message, properties);
  else core.notice(f.message, properties);
}

/** The JSON findings, cut to whole findings when the full list would overflow the job's output budget. */
function findingsOutput(findings: readonly Finding[], prefix: string): string {
  const items = findings.map((f) => JSON.stringify(toJsonFinding({ ...f, file: withPrefix(prefix, f.file) })));
  let size = 2;
  let kept = 0;
  while (kept < items.length && size + items[kept]!.length + 1 <= FINDINGS_OUTPUT_LIMIT) size += items[kept++]!.length + 1;
  if (kept < items.length) {
    core.warning(`The "${LintOutputs.Findings}" output holds the first ${kept} of ${items.length} findings (outputs are size-limited); the SARIF file has them all.`);
  }
  return `[${items.slice(0, kept).join(',')}]`;
}

/** `https://github.com/<owner>/certops` when the runner fetched the action from a repository. */
function actionRepositoryUrl(): string | undefined {
  const repository = process.env.GITHUB_ACTION_REPOSITORY;
  if (!repository) return undefined;
  return `${process.env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}`;
}

const SEVERITY_LABEL: Record<Finding['severity'], string> = { error: '❌ error', warning: '⚠️ warning', notice: 'ℹ️ notice' };
const POLICY_SOURCE: Record<LintResult['policySource'], string> = {
  'working-tree': 'policies from the working tree',
  'base-revision': 'policies from the base revision',
  'built-in baseline': 'the built-in baseline policy',
};

async function writeSummary(result: LintResult, settings: LintSettings, prefix: string): Promise<void> {
  const source = POLICY_SOURCE[result.policySource] + (result.policySource === 'base-revision' && settings.baseRev ? ` (<code>${escapeHtml(settings.baseRev)}</code>)` : '');
  core.summary
    .addHeading('certops lint', 2)
    .addRaw(`<p><strong>${countsLine(result.counts)}</strong>: ${result.certificates} certificate${result.certificates === 1 ? '' : 's'} checked against ${source}.</p>`, true);
  if (result.findings.length === 0) {
    core.summary.addRaw('<p>No findings: every certificate meets the policy.</p>', true);
  } else {
    const header = ['Severity', 'Rule', 'Certificate', 'Location', 'Message'].map((data) => ({ data, header: true }));
    const rows = result.findings.slice(0, SUMMARY_ROW_LIMIT).map((f) => {
      const path = withPrefix(prefix, f.file);
      const location = `<code>${escapeHtml(`${path}:${f.line}:${f.column}`)}</code>`;
      const link = blobUrl(path, f.line);
      return [
        SEVERITY_LABEL[f.severity],
        `<code>${escapeHtml(f.ruleId)}</code>`,
        // core.summary writes an empty cell as a lone `<td>`, which shifts the row: never leave one empty.
        f.certificate === undefined ? '—' : escapeHtml(f.certificate),
        link ? `<a href="${escapeHtml(link)}">${location}</a>` : location,
        escapeHtml(f.message),
      ];
    });
    core.summary.addTable([header, ...rows]);
    if (result.findings.length > SUMMARY_ROW_LIMIT) {
      core.summary.addRaw(
        `<p>Showing the first ${SUMMARY_ROW_LIMIT} of ${result.findings.length} findings; the annotations and the SARIF file (<code>${escapeHtml(relative(settings.workspace, settings.sarifFile) || settings.sarifFile)}</code>) have them all.</p>`,
        true,
      );
    }
  }
  await core.summary.write();
}

/** A link to the line in the commit under test, when the runner says which commit that is. */
function blobUrl(path: string, line: number): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = process.env;
  if (!server || !repository || !sha) return undefined;
  return `${server}/${repository}/blob/${sha}/${path.split('/').map(encodeURIComponent).join('/')}#L${line}`;
}

/** core.summary.addTable puts cell text into HTML as it is; finding messages may hold `<` or `&`. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** New error-level findings go to the audit ledger on the branch that was checked. */
async function recordViolations(findings: Finding[], settings: LintSettings): Promise<void> {
  const env = process.env;
  const events = () =>
    newViolationEvents(findings, readLedgerEntries(readRepoFileIfPresent(settings.repoDir, LEDGER_FILE, { linkIsMissing: true })?.toString('utf8') ?? '').map((e) => e.event), {
      now: settings.now,
      actor: env.GITHUB_ACTOR || 'certops',
      runUrl: runUrl(env),
      ...(env.GITHUB_SHA ? { commit: env.GITHUB_SHA } : {}),
    });
  const committed = await commitBack({
    repoDir: settings.repoDir,
    branch: env.GITHUB_REF_NAME || 'main',
    message: 'certops: record policy violations',
    paths: [LEDGER_FILE],
    produce: async () => void (await appendEvents(settings.repoDir, events())),
    log: (line) => core.info(line),
  });
  core.info(`audit ledger: ${committed.action}`);
}
