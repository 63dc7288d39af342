import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCK_FILE } from '../manifest/lock-file.js';
import type { Manifest } from '../manifest/types.js';
import { renewalPullRequestText } from '../renewal/pull-request-text.js';
import type { RenewResult } from '../renewal/renew.js';
import type { GitIdentity } from './git.js';
import type { GitHubClient } from './octokit.js';
import { createOrUpdatePullRequest, type PullRequestResult } from './pull-request.js';
import { createOrUpdateRenewalBranch, DEFAULT_RENEWAL_BRANCH, type RenewalBranchResult } from './renewal-branch.js';

export interface PublishRenewalOptions {
  repoDir: string;
  result: RenewResult;
  manifest: Manifest;
  /** The branch the pull request merges into. */
  base: string;
  branch?: string;
  /** `origin` in Actions; null for the CLI without a token (local branches only). */
  remote: string | null;
  author?: GitIdentity;
  date?: Date;
  /** With GitHub: the pull request is opened or updated there. */
  github?: { octokit: GitHubClient; owner: string; repo: string; labels?: string[]; draft?: boolean };
  /** Without GitHub: where the pull request title and body are written. Default .git/certops-renewal-pr.md. */
  pullRequestFile?: string;
  log?: (line: string) => void;
}

export interface PublishRenewalResult {
  branch: RenewalBranchResult;
  pullRequest?: PullRequestResult;
  /** The file holding the pull request text, when there was no GitHub to send it to. */
  pullRequestFile?: string;
  title: string;
  body: string;
}

/** The files a renewal commit may change: the lock file, certs/ and an ACME account key it created. */
export function renewalPaths(result: RenewResult): string[] {
  return [...new Set([LOCK_FILE, 'certs', ...result.changedPaths])].sort();
}

/** GitHub users and teams who own the renewed certificates: they review the pull request. */
export function renewalReviewers(result: RenewResult, manifest: Manifest): string[] {
  const renewed = new Set(result.renewed.map((r) => r.name));
  const reviewers = new Set<string>();
  for (const cert of manifest.certificates) {
    if (!renewed.has(cert.name)) continue;
    for (const owner of cert.owners) for (const who of manifest.owners[owner] ?? []) reviewers.add(who.replace(/^@/, ''));
  }
  return [...reviewers].sort();
}

/**
 * Puts the renewal on its branch and opens or updates the one pull request for it. Nothing
 * renewed and nothing removed: nothing is committed or opened.
 */
export async function publishRenewal(options: PublishRenewalOptions): Promise<PublishRenewalResult> {
  const { result } = options;
  const { title, body } = renewalPullRequestText(result);
  const branch = await createOrUpdateRenewalBranch({
    repoDir: options.repoDir,
    paths: renewalPaths(result),
    base: options.base,
    branch: options.branch ?? DEFAULT_RENEWAL_BRANCH,
    message: `${title}\n\n${result.renewed.map((r) => `- ${r.name}: ${r.reason}, serial ${r.newSerial}, notAfter ${r.newNotAfter}`).join('\n')}`,
    remote: options.remote,
    ...(options.author ? { author: options.author } : {}),
    ...(options.date ? { date: options.date } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const out: PublishRenewalResult = { branch, title, body };
  if (branch.action === 'none') return out;
  if (options.github) {
    out.pullRequest = await createOrUpdatePullRequest({
      octokit: options.github.octokit,
      owner: options.github.owner,
      repo: options.github.repo,
      head: branch.branch,
      base: options.base,
      title,
      body,
      labels: options.github.labels ?? ['certops', 'certificates'],
      reviewers: renewalReviewers(result, options.manifest),
      ...(options.github.draft ? { draft: true } : {}),
    });
  } else {
    const file = options.pullRequestFile ?? join(options.repoDir, '.git', 'certops-renewal-pr.md');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `# ${title}\n\n${body}`);
    out.pullRequestFile = file;
  }
  return out;
}
