import type { GitHubClient } from './octokit.js';

export const AUTO_MERGE_METHODS = ['merge', 'squash', 'rebase'] as const;
export type AutoMergeMethod = (typeof AUTO_MERGE_METHODS)[number];

/**
 * What `auto-merge: true` means. Squash: a renewal branch is base plus one bot commit, so squash
 * and rebase land the same tree, and squash leaves one commit per renewal whose message is the
 * pull request title; it is also the method repositories that allow only one most often keep.
 */
export const DEFAULT_AUTO_MERGE_METHOD: AutoMergeMethod = 'squash';

/**
 * Reads an auto-merge setting: '' or 'false' -> null (off), 'true' -> the default method,
 * 'merge' | 'squash' | 'rebase' -> that method. Anything else is an error naming the choices.
 */
export function parseAutoMerge(text: string, what = 'auto-merge'): AutoMergeMethod | null {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'false') return null;
  if (value === 'true') return DEFAULT_AUTO_MERGE_METHOD;
  if ((AUTO_MERGE_METHODS as readonly string[]).includes(value)) return value as AutoMergeMethod;
  throw new Error(`${what} must be false, true (${DEFAULT_AUTO_MERGE_METHOD}) or one of ${AUTO_MERGE_METHODS.join(', ')}; got "${text}".`);
}

export interface EnableAutoMergeOptions {
  octokit: GitHubClient;
  /** The pull request's GraphQL node id (REST node_id). */
  pullRequestId: string;
  mergeMethod: AutoMergeMethod;
  /** How warnings name the pull request, e.g. `#12`. */
  label?: string;
  /**
   * The auto-merge the pull request already has (REST `auto_merge`): with the same method the
   * mutation is not sent again, so a rerun that changes nothing makes no write.
   */
  current?: { mergeMethod: string } | null;
}

export type AutoMergeResult =
  | { state: 'enabled'; mergeMethod: AutoMergeMethod; /** When GitHub says it was enabled; null when it already was. */ enabledAt: string | null }
  | { state: 'failed'; mergeMethod: AutoMergeMethod; /** GitHub's reason, e.g. "Auto merge is not allowed for this repository". */ reason: string; warning: string };

// Only what the result needs is selected: every extra field is one more thing a GitHub Enterprise
// Server of another version might not have.
/** The mutation enableAutoMerge sends; exported so the GitHub double's schema check can be shown it. */
export const ENABLE_AUTO_MERGE = `mutation certopsEnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod }) {
    pullRequest {
      id
      autoMergeRequest {
        mergeMethod
        enabledAt
      }
    }
  }
}`;

interface EnableAutoMergeData {
  enablePullRequestAutoMerge: { pullRequest: { id: string; autoMergeRequest: { mergeMethod: string; enabledAt: string | null } | null } | null } | null;
}

/**
 * Asks GitHub to merge the pull request by itself once its requirements are met (GraphQL
 * enablePullRequestAutoMerge; REST has no endpoint for it). GitHub refuses when the repository does
 * not allow auto-merge or the base branch requires nothing to wait for; that, and any other error
 * GitHub answers, is a failed result with a warning, never a throw: the pull request is open and
 * correct either way, and a person can still merge it.
 */
export async function enableAutoMerge(options: EnableAutoMergeOptions): Promise<AutoMergeResult> {
  const { octokit, pullRequestId, mergeMethod } = options;
  if (options.current && options.current.mergeMethod.toLowerCase() === mergeMethod) return { state: 'enabled', mergeMethod, enabledAt: null };
  const failed = (reason: string): AutoMergeResult => ({
    state: 'failed',
    mergeMethod,
    reason,
    warning:
      `could not enable auto-merge (${mergeMethod}) on ${options.label ?? 'the pull request'}: ${reason}. It stays open to be merged by hand; ` +
      'GitHub enables auto-merge only when the repository allows it (Settings > General > Allow auto-merge) and the base branch requires status checks or reviews.',
  });
  let data: EnableAutoMergeData;
  try {
    data = await octokit.graphql<EnableAutoMergeData>(ENABLE_AUTO_MERGE, { pullRequestId, mergeMethod: mergeMethod.toUpperCase() });
  } catch (error) {
    const reason = graphqlReason(error) ?? httpReason(error);
    if (reason === undefined) throw error;
    return failed(reason);
  }
  const request = data.enablePullRequestAutoMerge?.pullRequest?.autoMergeRequest;
  if (!request) return failed('GitHub accepted the request but the pull request has no auto-merge request');
  return { state: 'enabled', mergeMethod, enabledAt: request.enabledAt };
}

/** The one-word state the renew action reports per pull request: enabled, failed: REASON, or off. */
export function describeAutoMerge(result: AutoMergeResult | undefined): string {
  if (!result) return 'off';
  return result.state === 'enabled' ? 'enabled' : `failed: ${result.reason}`;
}

/**
 * GraphqlResponseError (HTTP 200 with `errors`), duck-typed so a second copy of @octokit/graphql in
 * a bundle still matches; GitHub's messages are the useful part, its `type` says which kind.
 */
function graphqlReason(error: unknown): string | undefined {
  const errors = (error as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors.map((e: { message?: unknown; type?: unknown }) => `${typeof e.message === 'string' ? e.message : 'GraphQL error'}${typeof e.type === 'string' ? ` (${e.type})` : ''}`).join('; ');
}

/** An HTTP failure (401, 403 without the permission, 5xx after the retries, a network error Octokit reports as 500). */
function httpReason(error: unknown): string | undefined {
  const e = error as { status?: unknown; message?: unknown } | null;
  if (typeof e?.status !== 'number') return undefined;
  return `HTTP ${e.status}${typeof e.message === 'string' && e.message ? ` ${e.message}` : ''}`;
}
