import { Octokit as Core } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

/**
 * Octokit's core with the plugins certops uses: the REST methods, pagination, retries and
 * throttling (GraphQL is in the core). The `octokit` package adds GitHub App, OAuth and webhook
 * code that certops never calls, which only made every bundle larger and slower to start.
 */
const Octokit = Core.plugin(restEndpointMethods, paginateRest, retry, throttling);

export type GitHubClient = InstanceType<typeof Octokit>;

/** Where log lines go; the actions pass @actions/core's functions, the CLI stderr, tests a list. */
export interface GitHubLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface GitHubClientOptions {
  /** A token with contents: write and pull-requests: write (GITHUB_TOKEN or a PAT / app token). */
  token: string;
  /**
   * REST API base URL: https://api.github.com, or https://HOST/api/v3 on GitHub Enterprise Server.
   * Default: the GITHUB_API_URL of the environment (set by Actions), else https://api.github.com.
   */
  baseUrl?: string;
  userAgent?: string;
  log?: GitHubLog;
  /** Retries of 5xx and network errors (4xx other than rate limits are not retried). Default 3. */
  retries?: number;
  /**
   * Milliseconds per unit of backoff: retry n waits n² units. Default 1000 (1 s, 4 s, 9 s).
   * Tests lower it so a retried fault does not sleep.
   */
  retryBaseMs?: number;
  /**
   * GitHub's recommended pacing: writes one at a time, at least 1 s apart (3 s for ones that notify).
   * Default true; off only where nothing is shared (a test against a local double).
   */
  throttle?: boolean;
  /** Rate-limit waits longer than this (seconds) fail instead of sleeping through the job. Default 600. */
  maxRateLimitWaitSeconds?: number;
  /** Retries after a rate limit (primary or secondary). Default 2. */
  rateLimitRetries?: number;
}

const silent: GitHubLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The API base URL from the environment of a workflow run (GitHub sets GITHUB_API_URL, also on GHES). */
export function apiUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.GITHUB_API_URL?.trim();
  return fromEnv ? fromEnv.replace(/\/+$/, '') : 'https://api.github.com';
}

/**
 * An Octokit with GitHub's recommended client behaviour: retries with backoff for server errors
 * (plugin-retry), pacing of writes and waiting out rate limits (plugin-throttling).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log ?? silent;
  const maxWait = options.maxRateLimitWaitSeconds ?? 600;
  const rateLimitRetries = options.rateLimitRetries ?? 2;
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (retryCount < rateLimitRetries && retryAfter <= maxWait) {
      log.warn(`GitHub ${kind} rate limit on ${request.method} ${request.url}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${rateLimitRetries}).`);
      return true;
    }
    log.error(`GitHub ${kind} rate limit on ${request.method} ${request.url}; giving up (asked to wait ${retryAfter} s, ${retryCount} retries done).`);
    return false;
  };
  const baseMs = options.retryBaseMs ?? 1000;
  return new Octokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? apiUrlFromEnv()).replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'certops',
    log,
    retry: { retries: options.retries ?? 3, retryAfterBaseValue: baseMs },
    throttle: options.throttle === false
      ? { enabled: false }
      : { onRateLimit: onLimit('primary'), onSecondaryRateLimit: onLimit('secondary'), retryAfterBaseValue: baseMs },
  });
}
