import type { GitHubClient } from './octokit.js';

export interface PullRequestOptions {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  /** The branch with the changes, in `owner/repo` (fork pull requests are not supported). */
  head: string;
  /** The branch to merge into. */
  base: string;
  title: string;
  body: string;
  /** Labels to add (never removed: people may add their own). Missing labels are created by GitHub. */
  labels?: string[];
  /**
   * Reviewers to request: GitHub logins (`alice`, `@alice`) or teams (`org/team`, `@org/team`;
   * the slug after the slash is requested). Requested when the pull request is created or its
   * content changes, not on reruns that change nothing, so nobody is pinged on every schedule.
   */
  reviewers?: string[];
  /** Open it as a draft (only on creation: REST cannot convert an existing pull request). */
  draft?: boolean;
}

export type PullRequestAction =
  /** No open pull request for the branch existed; one was opened. */
  | 'created'
  /** The open pull request's title, body or base differed and was updated. */
  | 'updated'
  /** The open pull request already said exactly this. */
  | 'unchanged';

export interface PullRequestResult {
  action: PullRequestAction;
  number: number;
  /** The pull request's page (html_url). */
  url: string;
  /** GraphQL node id, for follow-ups such as enabling auto-merge. */
  nodeId: string;
  /** Auto-merge as GitHub last reported it (REST `auto_merge`); null when it is off. */
  autoMerge: { mergeMethod: string } | null;
  labelsAdded: string[];
  reviewersRequested: { users: string[]; teams: string[] };
  /** Problems that did not stop the pull request (a reviewer who is not a collaborator, a label refused). */
  warnings: string[];
}

interface OpenPull {
  number: number;
  html_url: string;
  node_id: string;
  title: string;
  body: string | null;
  base: { ref: string };
  labels: { name?: string }[];
  requested_reviewers?: { login: string }[] | null;
  requested_teams?: { slug: string }[] | null;
  auto_merge?: { merge_method: string } | null;
}

/**
 * Opens the pull request for `head`, or brings the open one up to date: one branch, one pull
 * request, however often it runs. The lookup comes first; if a concurrent run opens the pull
 * request between the lookup and the create, GitHub answers 422 and the lookup runs again.
 */
export async function createOrUpdatePullRequest(options: PullRequestOptions): Promise<PullRequestResult> {
  const { octokit, owner, repo, head, base } = options;
  const warnings: string[] = [];
  let action: PullRequestAction;
  let pull = await findOpenPull(options);
  if (pull) {
    ({ action, pull } = await updateIfChanged(options, pull));
  } else {
    try {
      const created = await octokit.rest.pulls.create({ owner, repo, head, base, title: options.title, body: options.body, draft: options.draft ?? false });
      pull = created.data as OpenPull;
      action = 'created';
    } catch (error) {
      // 422 covers both "already exists" and "no commits between"; the lookup tells them apart
      // without reading GitHub's English message.
      if (httpStatus(error) !== 422) throw error;
      const existing = await findOpenPull(options);
      if (!existing) throw new Error(`GitHub refused to open a pull request from ${head} into ${base} in ${owner}/${repo}: ${describe(error as HttpError)}`, { cause: error });
      ({ action, pull } = await updateIfChanged(options, existing));
    }
  }

  const labelsAdded = await addMissingLabels(options, pull, warnings);
  const reviewersRequested = action === 'unchanged' ? { users: [], teams: [] } : await requestReviewers(options, pull, warnings);
  const autoMerge = pull.auto_merge ? { mergeMethod: pull.auto_merge.merge_method } : null;
  return { action, number: pull.number, url: pull.html_url, nodeId: pull.node_id, autoMerge, labelsAdded, reviewersRequested, warnings };
}

async function findOpenPull(options: PullRequestOptions): Promise<OpenPull | undefined> {
  const { octokit, owner, repo, head, base } = options;
  // The owner prefix is not optional: without it GitHub ignores the head filter and lists every pull request.
  const pulls = (await octokit.paginate(octokit.rest.pulls.list, { owner, repo, head: `${owner}:${head}`, state: 'open', per_page: 100 })) as OpenPull[];
  // A pull request may have been retargeted; prefer the one into our base, else take the oldest.
  return pulls.find((p) => p.base.ref === base) ?? [...pulls].sort((a, b) => a.number - b.number)[0];
}

async function updateIfChanged(options: PullRequestOptions, pull: OpenPull): Promise<{ action: PullRequestAction; pull: OpenPull }> {
  const changes: { title?: string; body?: string; base?: string } = {};
  if (pull.title !== options.title) changes.title = options.title;
  if (normalizeBody(pull.body) !== normalizeBody(options.body)) changes.body = options.body;
  if (pull.base.ref !== options.base) changes.base = options.base;
  if (Object.keys(changes).length === 0) return { action: 'unchanged', pull };
  const { octokit, owner, repo } = options;
  const updated = await octokit.rest.pulls.update({ owner, repo, pull_number: pull.number, ...changes });
  return { action: 'updated', pull: updated.data as OpenPull };
}

/** GitHub may hand a body back with CRLF line ends; that alone is not a change worth an update. */
function normalizeBody(body: string | null | undefined): string {
  return (body ?? '').replace(/\r\n/g, '\n');
}

async function addMissingLabels(options: PullRequestOptions, pull: OpenPull, warnings: string[]): Promise<string[]> {
  const have = new Set(pull.labels.map((l) => (l.name ?? '').toLowerCase()));
  const missing = [...new Set((options.labels ?? []).map((l) => l.trim()).filter((l) => l && !have.has(l.toLowerCase())))];
  if (missing.length === 0) return [];
  const { octokit, owner, repo } = options;
  try {
    await octokit.rest.issues.addLabels({ owner, repo, issue_number: pull.number, labels: missing });
    return missing;
  } catch (error) {
    if (!isClientError(error)) throw error;
    warnings.push(`could not add labels ${missing.join(', ')} to #${pull.number}: ${describe(error)}`);
    return [];
  }
}

/** Splits owners into user logins and team slugs, as the review-request endpoint wants them. */
export function splitReviewers(reviewers: readonly string[]): { users: string[]; teams: string[] } {
  const users = new Set<string>();
  const teams = new Set<string>();
  for (const raw of reviewers) {
    const name = raw.trim().replace(/^@/, '');
    if (!name) continue;
    const slash = name.indexOf('/');
    if (slash >= 0) teams.add(name.slice(slash + 1));
    else users.add(name);
  }
  return { users: [...users], teams: [...teams] };
}

async function requestReviewers(options: PullRequestOptions, pull: OpenPull, warnings: string[]): Promise<{ users: string[]; teams: string[] }> {
  const wanted = splitReviewers(options.reviewers ?? []);
  const pendingUsers = new Set((pull.requested_reviewers ?? []).map((u) => u.login.toLowerCase()));
  const pendingTeams = new Set((pull.requested_teams ?? []).map((t) => t.slug.toLowerCase()));
  const users = wanted.users.filter((u) => !pendingUsers.has(u.toLowerCase()));
  const teams = wanted.teams.filter((t) => !pendingTeams.has(t.toLowerCase()));
  if (users.length === 0 && teams.length === 0) return { users: [], teams: [] };
  const { octokit, owner, repo } = options;
  try {
    await octokit.rest.pulls.requestReviewers({ owner, repo, pull_number: pull.number, reviewers: users, team_reviewers: teams });
    return { users, teams };
  } catch (error) {
    // 422: a login that is not a collaborator, a team without access, or the author themselves.
    // The pull request is still right; say so instead of failing the renewal.
    if (!isClientError(error)) throw error;
    warnings.push(`could not request reviews from ${[...users, ...teams.map((t) => `team ${t}`)].join(', ')} on #${pull.number}: ${describe(error)}`);
    return { users: [], teams: [] };
  }
}

/** The part of Octokit's RequestError this module reads; duck-typed so a second copy of the class in a bundle still matches. */
interface HttpError {
  status: number;
  message: string;
  response?: { data?: unknown };
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A 4xx answer: the request was refused for a reason retrying will not fix. */
function isClientError(error: unknown): error is HttpError {
  const status = httpStatus(error);
  return status !== undefined && status >= 400 && status < 500;
}

function describe(error: HttpError): string {
  const data = error.response?.data as { message?: string; errors?: { message?: string; field?: string; code?: string }[] } | undefined;
  const details = (data?.errors ?? []).map((e) => e.message ?? [e.field, e.code].filter(Boolean).join(' ')).filter(Boolean);
  return `${error.status} ${data?.message ?? error.message}${details.length > 0 ? ` (${details.join('; ')})` : ''}`;
}
