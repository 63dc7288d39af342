import { DAY_MS } from '../manifest/duration.js';
import type { Finding } from '../findings.js';
import { RULES } from '../policy/rules/index.js';
import type { LintResult } from '../policy/lint.js';
import type { Policy, Selector } from '../policy/types.js';
import type { ExpiryReport } from './expiry-model.js';
import { link } from './expiry-markdown.js';
import { isoDay, isoMinute, mdCell, mdCode, mdLink, pullRequestLabel, findPullRequestUrl } from './format.js';
import { canonicalJson } from './ledger-line.js';
import type { LedgerEntry } from './ledger-file.js';
import { statusLabel } from './status.js';

export interface EvidenceInput {
  report: ExpiryReport;
  now: Date;
  /** Days before `now` that renewal and deployment evidence covers. */
  periodDays: number;
  manifestFile: string;
  lockFile: string;
  ledgerFile: string;
  ledger: readonly LedgerEntry[];
  /** Lint of the repository at `now`; undefined when the run skipped it. */
  lint?: Pick<LintResult, 'policies' | 'policySource' | 'findings' | 'counts'>;
  /** Repository-relative folder the report is written to: links are relative to it. */
  outDir: string;
  /** File name of the expiry report next to this one. */
  expiryName: string;
  /** Events listed per section (renewals, deployments); the rest are counted and linked. Default 1,000. */
  maxEventRows?: number;
}

const MAX_EVENT_ROWS = 1000;

const RENEWAL_TYPES = new Set(['certificate_issued', 'certificate_renewed', 'certificate_renewal_failed', 'certificate_revoked']);
const DEPLOY_TYPES = new Set(['certificate_deployed', 'certificate_deploy_failed', 'certificate_rolled_back']);

/**
 * reports/evidence.md: what an auditor asks for, from what the repository holds, each claim
 * linked to the file (and line) it rests on. It states what the files show; it does not claim
 * compliance, which is the auditor's call.
 */
export function renderEvidence(input: EvidenceInput): string {
  const { report } = input;
  const to = (path: string) => link(input.outDir, path);
  const start = input.now.getTime() - input.periodDays * DAY_MS;
  const inPeriod = (e: LedgerEntry) => {
    const t = Date.parse(e.event.timestamp);
    return !Number.isNaN(t) && t >= start && t <= input.now.getTime();
  };
  const out: string[] = [];
  out.push('# Certificate compliance evidence', '');
  out.push(
    `As of **${report.date}** (UTC); renewal and deployment evidence covers ${isoDay(start)} to ${report.date} (${input.periodDays} days). ` +
      `Written by certops from ${mdLink(input.manifestFile, to(input.manifestFile))}, ${mdLink(input.lockFile, to(input.lockFile))}, ` +
      `${mdLink(input.ledgerFile, to(input.ledgerFile))} and the policies; every row links to its source. Do not edit.`,
    '',
  );
  out.push('| Control | Evidence in this document |', '|---|---|');
  out.push('| PCI DSS 4.0 req. 4.2.1.1: inventory of trusted keys and certificates | [1. Inventory](#1-inventory) |');
  out.push('| ISO/IEC 27001:2022 A.8.24: use of cryptography | [2. Policy in force](#2-policy-in-force), [6. Open findings](#6-open-findings) |');
  out.push('| SOC 2 CC6.1 (logical access, encryption) and CC6.7 (data in transmission) | [2. Policy in force](#2-policy-in-force), [3. Renewals](#3-renewals), [4. Deployments](#4-deployments) |');
  out.push('| NIST CSF PR.DS-2: data in transit is protected | [2. Policy in force](#2-policy-in-force), [4. Deployments](#4-deployments) |');
  out.push('| Audit trail | [5. Audit ledger integrity](#5-audit-ledger-integrity) |', '');

  // 1. Inventory
  const managed = report.certificates.filter((e) => e.managed).length;
  const locked = report.certificates.filter((e) => e.sources.lock !== null).length;
  out.push('## 1. Inventory', '');
  out.push(
    `${managed} certificate${managed === 1 ? ' is' : 's are'} declared in ${mdLink(input.manifestFile, to(input.manifestFile))}; ` +
      `${locked} issued certificate${locked === 1 ? ' is' : 's are'} recorded in ${mdLink(input.lockFile, to(input.lockFile))}` +
      `${report.total > managed ? `; ${report.total - managed} found in the lock file or certs/ are not declared (unmanaged)` : ''}. ` +
      `Expiry status: ${mdLink(input.expiryName, input.expiryName)}.`,
    '',
  );
  if (report.certificates.length > 0) {
    out.push('| Certificate | Names | Key | Issuer | Serial | Valid until (UTC) | Status | Owners | Sources |', '|---|---|---|---|---|---|---|---|---|');
    for (const e of [...report.certificates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const sources = [
        e.sources.manifest ? mdLink('spec', to(e.sources.manifest)) : 'not declared',
        e.sources.lock ? mdLink('lock', to(e.sources.lock)) : '',
        e.sources.certificate ? mdLink('PEM', to(e.sources.certificate)) : '',
      ].filter(Boolean);
      const names = [e.commonName ? `CN=${e.commonName}` : '', ...e.names].filter((n, i, all) => n && all.indexOf(n) === i);
      const issuer = [e.issuer, e.issuerDN ? `(${e.issuerDN})` : ''].filter(Boolean).join(' ');
      out.push(
        `| ${mdCode(e.name)} | ${mdCell(names.join(', '))} | ${mdCell(e.key ?? '')} | ${mdCell(issuer)} | ${e.serial ? mdCode(e.serial) : ''} | ${e.notAfter ? isoMinute(e.notAfter) : ''} | ${statusLabel(e.status, report.thresholds)} | ${mdCell(e.owners.join(', '))} | ${sources.join(' · ')} |`,
      );
    }
    out.push('');
  }

  // 2. Policy
  out.push('## 2. Policy in force', '');
  if (!input.lint) out.push('The policy was not evaluated in this run.', '');
  else {
    const source =
      input.lint.policySource === 'built-in baseline'
        ? "certops's built-in baseline policy (the repository has no policies/ of its own)"
        : input.lint.policySource === 'base-revision'
          ? 'the policies of the base revision'
          : 'the policies in the working tree';
    out.push(`Certificates are checked against ${source}, on every pull request and in this run. Enabled rules:`, '');
    for (const p of input.lint.policies) out.push(...policySection(p, input.lint.policySource === 'built-in baseline', to));
  }

  // 3. Renewals
  const renewals = input.ledger.filter((e) => RENEWAL_TYPES.has(e.event.event_type) && inPeriod(e));
  out.push('## 3. Renewals', '');
  out.push(`${countText(renewals, 'certificate_issued', 'issuance')}, ${countText(renewals, 'certificate_renewed', 'renewal')}, ${countText(renewals, 'certificate_renewal_failed', 'failed renewal')} and ${countText(renewals, 'certificate_revoked', 'revocation')} in the period, from the audit ledger.`, '');
  if (renewals.length > 0) out.push(...eventTable(renewals, input.ledgerFile, to, false, input.maxEventRows ?? MAX_EVENT_ROWS));
  const lockIssued = report.certificates.filter((e) => e.lastRenewal?.event === 'lock' && Date.parse(e.lastRenewal.at) >= start);
  if (lockIssued.length > 0) {
    out.push('Issued in the period according to the lock file (no matching ledger event):', '');
    for (const e of lockIssued) out.push(`- ${mdCode(e.name)} on ${isoMinute(e.lastRenewal!.at)}${e.lastRenewal!.runUrl ? ` by ${mdLink('run', e.lastRenewal!.runUrl)}` : ''} (${mdLink('lock', to(e.sources.lock ?? input.lockFile))})`);
    out.push('');
  }

  // 4. Deployments
  const deploys = input.ledger.filter((e) => DEPLOY_TYPES.has(e.event.event_type) && inPeriod(e));
  out.push('## 4. Deployments', '');
  out.push(`${countText(deploys, 'certificate_deployed', 'deployment')}, ${countText(deploys, 'certificate_deploy_failed', 'failed deployment')} and ${countText(deploys, 'certificate_rolled_back', 'rollback')} in the period, from the audit ledger.`, '');
  if (deploys.length > 0) out.push(...eventTable(deploys, input.ledgerFile, to, true, input.maxEventRows ?? MAX_EVENT_ROWS));

  // 5. Ledger
  const l = report.ledger;
  out.push('## 5. Audit ledger integrity', '');
  if (l.ok) {
    out.push(
      `${mdLink(input.ledgerFile, to(input.ledgerFile))}: ${l.lines} event${l.lines === 1 ? '' : 's'}; the hash chain verifies from line 1 to line ${l.lines}.` +
        `${l.head ? ` Head (SHA-256 of line ${l.lines}): ${mdCode(l.head)}; the next report checks the ledger still begins with these lines.` : ''}`,
      '',
    );
  } else {
    out.push(`**The integrity check failed** at ${mdLink(`line ${l.firstBadLine}`, `${to(input.ledgerFile)}#L${l.firstBadLine}`)} of ${mdCode(input.ledgerFile)}: ${mdCell(l.problem ?? '')}`, '');
  }
  out.push('Each line holds the SHA-256 of the line before it (`prev`) and of itself (`hash`); `certops audit verify` repeats this check.', '');

  // 6. Findings
  out.push('## 6. Open findings', '');
  if (!input.lint) out.push('Lint was not run in this run.', '');
  else {
    const c = input.lint.counts;
    out.push(`${c.error} error${c.error === 1 ? '' : 's'}, ${c.warning} warning${c.warning === 1 ? '' : 's'}, ${c.notice} notice${c.notice === 1 ? '' : 's'}.`, '');
    if (input.lint.findings.length > 0) {
      out.push('| Severity | Rule | Certificate | Where | Finding |', '|---|---|---|---|---|');
      for (const f of input.lint.findings) out.push(findingRow(f, to));
      out.push('');
    }
  }
  while (out.at(-1) === '') out.pop();
  // A final empty element gives the closing newline and keeps the result one flat string (no copy when written).
  out.push('');
  return out.join('\n');
}

function policySection(p: Policy, builtIn: boolean, to: (path: string) => string): string[] {
  const out: string[] = [];
  const title = builtIn ? `${mdCode(p.file)} (built in)` : mdLink(p.file, to(p.file));
  const approvers = p.approvers.length ? `; changes approved by ${mdCell(p.approvers.join(', '))}` : '';
  out.push(`**${title}**${p.description ? `: ${mdCell(p.description)}` : ''}. Applies to ${selectorText(p.select)}${approvers}.`, '');
  out.push('| Rule | Severity | Requirement | Parameters |', '|---|---|---|---|');
  for (const id of Object.keys(p.rules).sort()) {
    const config = p.rules[id]!;
    if (config.severity === 'off') continue;
    const { severity: _severity, message: _message, ...params } = config;
    const line = p.positions.key(`/rules/${id.replace(/~/g, '~0').replace(/\//g, '~1')}`)?.line;
    const rule = builtIn || line === undefined ? mdCode(id) : mdLink(id, `${to(p.file)}#L${line}`);
    const paramText = Object.keys(params).length ? mdCode(canonicalJson(params)) : '';
    out.push(`| ${rule} | ${config.severity} | ${mdCell(RULES.get(id)?.summary ?? '')} | ${paramText} |`);
  }
  out.push('');
  return out;
}

function selectorText(s: Selector): string {
  const parts: string[] = [];
  if (s.names?.length) parts.push(`names ${s.names.join(', ')}`);
  if (s.labels && Object.keys(s.labels).length) parts.push(`labels ${Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (s.issuers?.length) parts.push(`issuers ${s.issuers.join(', ')}`);
  return parts.length ? mdCell(parts.join('; ')) : 'all certificates';
}

/**
 * The events of a section, the most recent `max` of them: past that a Markdown file is too big for
 * GitHub to render, and the ledger (linked, with the line range of the rest) holds every one.
 */
function eventTable(events: readonly LedgerEntry[], ledgerFile: string, to: (path: string) => string, deploy: boolean, max: number): string[] {
  const out: string[] = [];
  const shown = events.length > max ? events.slice(events.length - max) : events;
  if (shown.length < events.length) {
    const first = events[0]!.line;
    const last = events[events.length - shown.length - 1]!.line;
    out.push(`The ${shown.length.toLocaleString('en')} most recent are listed; the ${(events.length - shown.length).toLocaleString('en')} before them are in ${mdLink(`lines ${first}-${last}`, `${to(ledgerFile)}#L${first}-L${last}`)} of the ledger.`, '');
  }
  out.push(`| Time (UTC) | Event | Certificate | Serial | ${deploy ? 'Targets' : 'Expires'} | Actor | Run / PR | Ledger |`, '|---|---|---|---|---|---|---|---|');
  for (const { line, event: e } of shown) {
    const t = Date.parse(e.timestamp);
    const pr = findPullRequestUrl(e.message, e.run_url);
    const run = /^https?:\/\//.test(e.run_url) ? mdLink('run', e.run_url) : mdCell(e.run_url);
    const detail = deploy ? mdCell((e.target_systems ?? []).join(', ')) : e.expiration_date ? isoDay(e.expiration_date) : '';
    out.push(
      `| ${Number.isNaN(t) ? mdCell(e.timestamp) : isoMinute(t)} | ${e.event_type.replace(/^certificate_/, '')} | ${mdCode(e.certificate)} | ${e.certificate_serial ? mdCode(e.certificate_serial) : ''} | ${detail} | ${mdCell(e.actor)} | ${[run, pr ? mdLink(pullRequestLabel(pr), pr) : ''].filter(Boolean).join(' ')} | ${mdLink(`L${line}`, `${to(ledgerFile)}#L${line}`)} |`,
    );
  }
  out.push('');
  return out;
}

function findingRow(f: Finding, to: (path: string) => string): string {
  const where = mdLink(`${f.file}:${f.line}`, `${to(f.file)}#L${f.line}`);
  return `| ${f.severity} | ${mdCode(f.ruleId)} | ${f.certificate ? mdCode(f.certificate) : ''} | ${where} | ${mdCell(f.message)} |`;
}

function countText(events: readonly LedgerEntry[], type: string, noun: string): string {
  const n = events.filter((e) => e.event.event_type === type).length;
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
