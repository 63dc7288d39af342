import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LOCK_FILE, loadLock, serializeLock } from '../manifest/lock-file.js';
import type { Manifest } from '../manifest/types.js';
import { writeRepoFile } from '../repo/confined-io.js';
import { readFileAtRevision } from '../repo/git-revision.js';
import { groupRenewal, type Grouping } from '../renewal/grouping.js';
import { certificatePaths } from '../renewal/issue-certificate.js';
import { renewalPullRequestText } from '../renewal/pull-request-text.js';
import type { RenewResult } from '../renewal/renew.js';
import { enableAutoMerge, type AutoMergeMethod, type AutoMergeResult } from './auto-merge.js';
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
  /** One pull request for all (default), one per certificate, or one per owner. */
  grouping?: Grouping;
  /** `origin` in Actions; null for the CLI without a token (local branches only). */
  remote: string | null;
  author?: GitIdentity;
  date?: Date;
  /** With GitHub: the pull requests are opened or updated there. */
  github?: {
    octokit: GitHubClient;
    owner: string;
    repo: string;
    labels?: string[];
    draft?: boolean;
    /** Ask GitHub to merge each pull request by this method once its checks pass; default off. */
    autoMerge?: AutoMergeMethod | null;
  };
  /** Without GitHub: where the pull request title and body are written. Default .git/certops-renewal-pr.md. */
  pullRequestFile?: string;
  log?: (line: string) => void;
}

export interface PublishedGroup {
  branch: RenewalBranchResult;
  pullRequest?: PullRequestResult;
  /** Present when auto-merge was asked for and there is a pull request; a refusal is also in pullRequest.warnings. */
  autoMerge?: AutoMergeResult;
  title: string;
  body: string;
}

export interface PublishRenewalResult {
  groups: PublishedGroup[];
  /** The file holding the pull request texts, when there was no GitHub to send them to. */
  pullRequestFile?: string;
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
 * Puts each group's renewal on its branch and opens or updates its one pull request. A group's
 * branch holds base plus that group's certificates and a lock file that changes only their
 * entries, so the pull requests of different groups merge in any order.
 */
export async function publishRenewal(options: PublishRenewalOptions): Promise<PublishRenewalResult> {
  const { result } = options;
  const branchName = options.branch ?? DEFAULT_RENEWAL_BRANCH;
  const groups = groupRenewal(result, options.manifest, options.grouping ?? 'all', branchName);
  const lockPath = join(options.repoDir, LOCK_FILE);
  const workingText = readText(lockPath);
  const workingLock = loadLock(workingText, LOCK_FILE).lock;
  const headLock = loadLock(readFileAtRevision(options.repoDir, 'HEAD', LOCK_FILE)?.toString('utf8'), LOCK_FILE).lock;
  const out: PublishRenewalResult = { groups: [] };
  const texts: string[] = [];
  try {
    for (const [i, group] of groups.entries()) {
      const single = groups.length === 1 && group.key === '';
      const paths = new Set<string>([LOCK_FILE]);
      if (!single) {
        // This group's lock: HEAD's entries with only this group's changes applied.
        const lock = { version: 1 as const, certificates: { ...headLock.certificates } };
        for (const r of group.result.renewed) {
          lock.certificates[r.name] = workingLock.certificates[r.name]!;
          const p = certificatePaths(r.name);
          paths.add(p.certificate).add(p.key);
        }
        for (const name of group.result.removed) {
          const entry = lock.certificates[name];
          delete lock.certificates[name];
          if (entry) paths.add(entry.certificate).add(entry.key);
        }
        writeRepoFile(options.repoDir, LOCK_FILE, serializeLock(lock));
        // Files the issuers created (a new ACME account key) travel with the first group.
        if (i === 0) for (const p of result.changedPaths) if (!p.startsWith('certs/') && p !== LOCK_FILE) paths.add(p);
      } else {
        paths.add('certs');
        for (const p of result.changedPaths) paths.add(p);
      }
      const { title, body } = renewalPullRequestText(group.result);
      const branch = await createOrUpdateRenewalBranch({
        repoDir: options.repoDir,
        paths: [...paths].sort(),
        base: options.base,
        branch: group.branch,
        message: `${title}\n\n${group.result.renewed.map((r) => `- ${r.name}: ${r.reason}, serial ${r.newSerial}, notAfter ${r.newNotAfter}`).join('\n')}`,
        remote: options.remote,
        ...(options.author ? { author: options.author } : {}),
        ...(options.date ? { date: options.date } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      const published: PublishedGroup = { branch, title, body };
      if (branch.action !== 'none' && options.github) {
        published.pullRequest = await createOrUpdatePullRequest({
          octokit: options.github.octokit,
          owner: options.github.owner,
          repo: options.github.repo,
          head: group.branch,
          base: options.base,
          title,
          body,
          labels: options.github.labels ?? ['certops', 'certificates'],
          reviewers: renewalReviewers(group.result, options.manifest),
          ...(options.github.draft ? { draft: true } : {}),
        });
        if (options.github.autoMerge) {
          const pr = published.pullRequest;
          published.autoMerge = await enableAutoMerge({ octokit: options.github.octokit, pullRequestId: pr.nodeId, mergeMethod: options.github.autoMerge, label: `#${pr.number}`, current: pr.autoMerge });
          if (published.autoMerge.state === 'failed') pr.warnings.push(published.autoMerge.warning);
          else options.log?.(`auto-merge (${published.autoMerge.mergeMethod}) ${published.autoMerge.enabledAt ? 'enabled' : 'already enabled'} on #${pr.number}`);
        }
      }
      if (branch.action !== 'none') texts.push(`# ${title}\n\nbranch: ${group.branch}\n\n${body}`);
      out.groups.push(published);
    }
  } finally {
    // The working tree keeps the whole renewal; only the branches were split.
    if (workingText !== undefined && readText(lockPath) !== workingText) writeRepoFile(options.repoDir, LOCK_FILE, workingText);
  }
  if (!options.github && texts.length) {
    const file = options.pullRequestFile ?? join(options.repoDir, '.git', 'certops-renewal-pr.md');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, texts.join('\n\n---\n\n'));
    out.pullRequestFile = file;
  }
  return out;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
