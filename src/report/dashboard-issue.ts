import type { GitHubClient as Octokit } from '../gitops/octokit.js';
import { DASHBOARD_LABEL, DASHBOARD_MARKER, type DashboardContent } from './dashboard.js';

export interface DashboardIssueOptions extends DashboardContent {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** Label that narrows the search; created by GitHub on first use. Default `certops-dashboard`. */
  label?: string;
  /** Text in the body that marks certops's issue among labelled ones. Default `<!-- certops:dashboard -->`. */
  marker?: string;
}

export interface DashboardIssueResult {
  /** created: none existed; updated: title or body changed (reopened if it was closed); unchanged: nothing sent. */
  action: 'created' | 'updated' | 'unchanged';
  number: number;
  url: string;
  /** Other open issues that carry the label and marker (left alone, reported so a person can close them). */
  duplicates: number[];
}

interface IssueSummary {
  number: number;
  title: string;
  body?: string | null;
  state: string;
  html_url: string;
  pull_request?: unknown;
}

/**
 * Creates the dashboard issue once and updates it in place afterwards, like Renovate's
 * Dependency Dashboard. It is found by label and marker, not by title (people rename issues);
 * the oldest open match wins, else the newest closed one is reopened, so there is never a
 * second dashboard. Nothing is sent when title and body are already current.
 */
export async function upsertDashboardIssue(options: DashboardIssueOptions): Promise<DashboardIssueResult> {
  const { octokit, owner, repo } = options;
  const label = options.label ?? DASHBOARD_LABEL;
  const marker = options.marker ?? DASHBOARD_MARKER;
  const body = options.body.includes(marker) ? options.body : `${marker}\n${options.body}`;
  const labelled = (await octokit.paginate(octokit.rest.issues.listForRepo, { owner, repo, labels: label, state: 'all', per_page: 100 })) as IssueSummary[];
  const ours = labelled.filter((i) => i.pull_request === undefined && (i.body ?? '').includes(marker));
  const open = ours.filter((i) => i.state === 'open').sort((a, b) => a.number - b.number);
  const closed = ours.filter((i) => i.state !== 'open').sort((a, b) => b.number - a.number);
  const found = open[0] ?? closed[0];
  const duplicates = open.slice(1).map((i) => i.number);
  if (!found) {
    const created = await octokit.rest.issues.create({ owner, repo, title: options.title, body, labels: [label] });
    return { action: 'created', number: created.data.number, url: created.data.html_url, duplicates };
  }
  if (found.state === 'open' && found.title === options.title && sameText(found.body ?? '', body)) {
    return { action: 'unchanged', number: found.number, url: found.html_url, duplicates };
  }
  const updated = await octokit.rest.issues.update({
    owner,
    repo,
    issue_number: found.number,
    title: options.title,
    body,
    ...(found.state === 'open' ? {} : { state: 'open' as const }),
  });
  return { action: 'updated', number: updated.data.number, url: updated.data.html_url, duplicates };
}

/** Bodies edited in the web UI come back with CRLF; that alone is no reason to rewrite the issue. */
function sameText(a: string, b: string): boolean {
  return a.replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}
