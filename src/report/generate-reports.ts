import { LEDGER_FILE } from './ledger-file.js';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE } from '../manifest/lock-file.js';
import { retiredKeyPins } from '../manifest/types.js';
import { MANIFEST_FILE } from '../manifest/load-manifest.js';
import { beginLint, type LintResult, type LoadedSources, type PendingLint } from '../policy/lint.js';
import { toRepoPath } from '../repo/repo-path.js';
import type { BusinessHours } from './business-hours.js';
import { changedFiles, writeReportFiles, type ReportFile } from './changed-files.js';
import { renderDashboard, type DashboardContent } from './dashboard.js';
import { renderEvidence } from './evidence-markdown.js';
import { renderExpiryJson } from './expiry-json.js';
import { renderExpiryMarkdown } from './expiry-markdown.js';
import { buildExpiryReport, expiryAlerts, type ExpiryAlert, type ExpiryReport } from './expiry-model.js';
import { renderExpirySvg } from './expiry-svg.js';
import type { LedgerEntry } from './ledger-file.js';
import { inspectLedger, type LedgerAnchor, type LedgerVerification } from './ledger-verify.js';
import { renderMetrics } from './metrics-prom.js';
import { renewalPoints } from './renewal-points.js';
import { readRepoState, ReportInputError } from './repo-state.js';
import { resolveThresholds, type Thresholds } from './status.js';
import { renderSummary } from './summary.js';

export interface GenerateReportsOptions {
  /** Repository root. */
  repoDir: string;
  /** The clock: days left, statuses, renewal points and the evidence period are computed at this instant. */
  now: Date;
  /** Repository-relative folder for the reports. Default `reports`. */
  outDir?: string;
  /** Status buckets and alert thresholds, in days. Default 7/14/30 and alerts at 30/14/7/1. */
  thresholds?: Partial<Thresholds>;
  manifestFile?: string;
  lockFile?: string;
  /** Repository-relative ledger path. Default `<outDir>/audit.jsonl`. */
  ledgerFile?: string;
  /** Days of renewal and deployment evidence in evidence.md. Default 90. */
  periodDays?: number;
  /** Chart: rows before grouping (default 60) and what to group by (default owner). */
  svg?: { maxRows?: number; groupBy?: 'owner' | 'issuer' };
  /** Open findings for evidence.md: true (default) lints the repository now; false leaves them out; or a lint result the caller already has. */
  lint?: boolean | LintResult;
  /** For the dashboard issue. Default Mon-Fri 08:00-18:00 UTC. */
  businessHours?: BusinessHours;
  /** URL of the reports folder on GitHub, for links in the dashboard issue. */
  reportsUrl?: string;
  /** Write the files that changed. Default false: the caller decides. */
  write?: boolean;
}

export interface GenerateReportsResult {
  /** expiry.md, expiry.json, expiry.svg, metrics.prom, evidence.md: repository-relative paths and content. */
  files: ReportFile[];
  /** Paths of `files` whose content differs from what is on disk (before any write). */
  changed: string[];
  /** Markdown for a job summary. */
  summary: string;
  /** Certificates past an alert threshold, most urgent first: one annotation each. */
  alerts: ExpiryAlert[];
  /** The data behind the files. */
  report: ExpiryReport;
  /** The audit ledger's integrity check (with the anchor from the previous expiry.json when there is one). */
  ledger: LedgerVerification;
  /** Title and body for the dashboard issue (see upsertDashboardIssue). */
  dashboard: DashboardContent;
  /** Milliseconds per phase (read, ledger, plan, model, lint, each file, write, dashboard), for logs and the benchmark. */
  timings: Record<string, number>;
}

/**
 * Builds every report from the repository at `now`. Deterministic: the same repository and
 * clock give byte-identical files, and the files carry the day, not the instant, so reruns on
 * the same day change nothing unless a certificate crossed a threshold.
 */
export function generateReports(options: GenerateReportsOptions): GenerateReportsResult {
  const outDir = toRepoPath(options.outDir ?? 'reports', options.repoDir);
  if (outDir === undefined) throw new ReportInputError(`The reports folder "${options.outDir}" must be inside the repository ${options.repoDir}.`);
  if (Number.isNaN(options.now.getTime())) throw new ReportInputError('The report clock (now) is not a valid date.');
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = <T>(phase: string, value: T): T => {
    const t = performance.now();
    timings[phase] = Math.round(t - mark);
    mark = t;
    return value;
  };
  const thresholds = resolveThresholds(options.thresholds);
  const ledgerFile = options.ledgerFile ?? LEDGER_FILE; // renew, deploy and lint write there, wherever the reports go
  const jsonPath = `${outDir}/expiry.json`;
  // The lint's certificate examination runs in child processes while this thread builds the report; both read the same texts, parsed once.
  const pending = options.lint === undefined || options.lint === true ? beginLint({ repoDir: options.repoDir, now: options.now, manifestFile: options.manifestFile ?? MANIFEST_FILE, lockFile: options.lockFile ?? LOCK_FILE }) : undefined;
  let lint: Pick<LintResult, 'findings' | 'counts' | 'policies' | 'policySource'> | undefined;
  let built: ReturnType<typeof buildPhase>;
  try {
    built = buildPhase(options, thresholds, ledgerFile, jsonPath, lap, pending);
    lint = lap('lint', pending ? pending.finish(built.sources) : typeof options.lint === 'object' ? options.lint : undefined);
  } finally {
    pending?.cancel();
  }
  const { report, ledger, verification, manifestFile, lockFile } = built;
  const files: ReportFile[] = [
    { path: `${outDir}/expiry.md`, content: lap('expiry.md', renderExpiryMarkdown(report, { outDir, svgName: 'expiry.svg', jsonName: 'expiry.json' })) },
    { path: jsonPath, content: lap('expiry.json', renderExpiryJson(report)) },
    { path: `${outDir}/expiry.svg`, content: lap('expiry.svg', renderExpirySvg(report, { now: options.now, ...options.svg })) },
    { path: `${outDir}/metrics.prom`, content: lap('metrics.prom', renderMetrics(report)) },
    {
      path: `${outDir}/evidence.md`,
      content: lap(
        'evidence.md',
        renderEvidence({
          report,
          now: options.now,
          periodDays: options.periodDays ?? 90,
          manifestFile,
          lockFile,
          ledgerFile,
          ledger,
          ...(lint ? { lint } : {}),
          outDir,
          expiryName: 'expiry.md',
        }),
      ),
    },
  ];
  const changed = lap('write', options.write ? writeReportFiles(options.repoDir, files) : changedFiles(options.repoDir, files));
  const alerts = expiryAlerts(report, options.now);
  const dashboard = lap(
    'dashboard',
    renderDashboard({
      report,
      ledger,
      now: options.now,
      outDir,
      ...(options.businessHours ? { businessHours: options.businessHours } : {}),
      ...(options.reportsUrl ? { reportsUrl: options.reportsUrl } : {}),
    }),
  );
  return { files, changed, summary: renderSummary(report, alerts, changed), alerts, report, ledger: verification, dashboard, timings };
}

/**
 * Reads the repository and builds the report's data. A function of its own so that the parsed
 * manifest, lock file and ledger text are garbage once it returns: at 10,000 certificates they
 * are most of the heap, and the files rendered next can reuse their space.
 */
function buildPhase(
  options: GenerateReportsOptions,
  thresholds: Thresholds,
  ledgerFile: string,
  jsonPath: string,
  lap: <T>(phase: string, value: T) => T,
  pending: PendingLint | undefined,
): { report: ExpiryReport; ledger: LedgerEntry[]; verification: LedgerVerification; manifestFile: string; lockFile: string; sources?: LoadedSources } {
  const texts = pending ? { manifest: pending.manifestText, lock: pending.lockText } : undefined;
  const state = lap('read', readRepoState(options.repoDir, { manifestFile: options.manifestFile, lockFile: options.lockFile, ledgerFile, ...(texts ? { texts } : {}) }));
  const anchor = previousAnchor(options.repoDir, jsonPath, ledgerFile);
  const { verification, entries: ledger } = lap('ledger', inspectLedger(state.ledgerText, anchor ? { anchor } : {}));
  const renewals = lap('plan', renewalPoints(state.manifest.certificates, state.lock, options.now, retiredKeyPins(state.manifest)));
  const report = lap(
    'model',
    buildExpiryReport({
      now: options.now,
      thresholds,
      manifest: state.manifest,
      manifestLines: state.manifestLines,
      lock: state.lock,
      lockFile: state.lockFile,
      lockLines: state.lockLines,
      renewals,
      ledger,
      ledgerStatus: {
        file: ledgerFile,
        lines: verification.lines,
        head: verification.head ?? null,
        ok: verification.ok,
        firstBadLine: verification.firstBadLine ?? null,
        problem: verification.problem ?? null,
      },
      certificateDirs: state.certificateDirs,
      fileExists: state.fileExists,
    }),
  );
  // The lint reuses the loaded manifest and lock instead of parsing them again; without a lint they are garbage now.
  return { report, ledger, verification, manifestFile: state.manifestFile, lockFile: state.lockFile, ...(pending ? { sources: state.loaded } : {}) };
}

/**
 * The ledger length and head the previous report recorded: lines cut from the end, or a chain
 * rewritten and re-hashed, show against it. Only a previous report that found the ledger intact
 * is trusted as an anchor.
 */
function previousAnchor(repoDir: string, jsonPath: string, ledgerFile: string): LedgerAnchor | undefined {
  // Only the ledger member is needed, and renderExpiryJson writes it as the last line: reading the
  // tail spares parsing megabytes of certificates.
  const tail = readTail(join(repoDir, ...jsonPath.split('/')), 16 * 1024);
  const m = tail && /\n {2}"ledger": (\{.*\})\n\}\n?$/.exec(tail);
  if (!m) return undefined;
  try {
    const l = JSON.parse(m[1]!) as Partial<ExpiryReport['ledger']>;
    if (l.file !== ledgerFile || l.ok !== true || typeof l.lines !== 'number' || typeof l.head !== 'string' || l.lines < 1) return undefined;
    return { lines: l.lines, head: l.head, source: jsonPath };
  } catch {
    return undefined;
  }
}

function readTail(path: string, bytes: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    const size = stat.size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
