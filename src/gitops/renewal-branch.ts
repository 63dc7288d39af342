import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GITHUB_ACTIONS_BOT, Git, type GitIdentity } from './git.js';

export const DEFAULT_RENEWAL_BRANCH = 'certops/renew';

export type BranchAction =
  /** The branch did not exist; it now holds base + the paths. */
  | 'created'
  /** The branch existed with other content (or on an older base) and was replaced. */
  | 'updated'
  /** The branch already holds exactly this content on this base: nothing pushed. */
  | 'not-updated'
  /** The paths equal what base already has: there is nothing to propose, and nothing was pushed. */
  | 'none';

export interface RenewalBranchOptions {
  /** The working repository (the checkout); the files to commit are in its working tree. */
  repoDir: string;
  /** Paths relative to repoDir to take from the working tree: files or directories; deletions count. */
  paths: readonly string[];
  /** The branch the pull request merges into, e.g. `main`. */
  base: string;
  /** Default `certops/renew`. */
  branch?: string;
  message: string;
  /** Default the github-actions bot. */
  author?: GitIdentity;
  /** Default the author. */
  committer?: GitIdentity;
  /** Commit time; default the system clock. */
  date?: Date;
  /**
   * The remote to fetch base from and push the branch to; default `origin`. `null` works on local
   * branches only (the CLI without a token): base and branch are local refs and nothing is pushed.
   */
  remote?: string | null;
  /** Progress lines (the action puts them in a log group). */
  log?: (line: string) => void;
}

export interface RenewalBranchResult {
  action: BranchAction;
  branch: string;
  base: string;
  baseSha: string;
  /** The branch tip after this run (undefined when the branch does not exist). */
  headSha?: string;
  /** The branch tip before this run (undefined when it did not exist). */
  previousSha?: string;
  /** Whether anything was pushed to the remote. */
  pushed: boolean;
}

/**
 * Puts `paths` from the working tree on the renewal branch as one commit on top of base, and pushes
 * it with --force-with-lease, the way create-pull-request's createOrUpdateBranch does:
 * - the commit is always base + paths, so the branch never drifts behind base for long and the
 *   pull request shows only the renewal;
 * - the branch is compared by content (its tree) with what is already there, so a rerun with
 *   nothing new pushes nothing and the pull request is not touched;
 * - the lease is the tip we fetched and compared against: a concurrent run that pushed meanwhile
 *   makes the push fail (GitPushRejectedError) rather than being silently overwritten.
 * The checkout, HEAD and index are left as they were; nothing in .git/config changes.
 */
export async function createOrUpdateRenewalBranch(options: RenewalBranchOptions): Promise<RenewalBranchResult> {
  const git = new Git(options.repoDir);
  const branch = options.branch ?? DEFAULT_RENEWAL_BRANCH;
  const remote = options.remote === undefined ? 'origin' : options.remote;
  const log = options.log ?? (() => {});
  const { base } = options;

  if (branch === base) throw new Error(`The renewal branch and the base branch are both "${base}"; choose a branch of its own for renewals (default ${DEFAULT_RENEWAL_BRANCH}).`);
  if ((await git.currentBranch()) === branch) {
    throw new Error(`${options.repoDir} has the renewal branch "${branch}" checked out; check out the base branch "${base}" so certops can rewrite ${branch} without touching your working tree.`);
  }

  let baseSha: string | undefined;
  let previousSha: string | undefined;
  if (remote) {
    const depth = (await git.isShallow()) ? { depth: 1 } : {};
    if (!(await git.remoteBranchSha(remote, base))) throw new Error(`The base branch "${base}" does not exist on ${remote}; set the base input to an existing branch.`);
    log(`Fetching ${base} from ${remote}`);
    await git.fetch(remote, [`+refs/heads/${base}:refs/remotes/${remote}/${base}`], depth);
    baseSha = await git.revParse(`refs/remotes/${remote}/${base}`);
    if (await git.remoteBranchSha(remote, branch)) {
      log(`Fetching ${branch} from ${remote}`);
      await git.fetch(remote, [`+refs/heads/${branch}:refs/remotes/${remote}/${branch}`], depth);
      // The lease is what we fetched and compared against, not what ls-remote saw a moment earlier.
      previousSha = await git.revParse(`refs/remotes/${remote}/${branch}`);
    }
  } else {
    baseSha = await git.revParse(`refs/heads/${base}`);
    previousSha = await git.revParse(`refs/heads/${branch}`);
  }
  if (!baseSha) throw new Error(`The base branch "${base}" does not exist${remote ? ` on ${remote}` : ' locally'}; set the base input to an existing branch.`);

  const scratch = await mkdtemp(join(tmpdir(), 'certops-index-'));
  try {
    const tree = await git.buildTree(baseSha, options.paths, join(scratch, 'index'));
    const result = { branch, base, baseSha, ...(previousSha ? { previousSha, headSha: previousSha } : {}), pushed: false };
    if (tree === (await git.treeOf(baseSha))) {
      log(`${options.paths.join(', ')} already match ${base}: nothing to propose`);
      return { action: 'none', ...result };
    }
    if (previousSha && tree === (await git.treeOf(previousSha))) {
      log(`${branch} already holds this content: nothing to push`);
      return { action: 'not-updated', ...result };
    }
    const commit = await git.commitTree(tree, [baseSha], options.message, {
      author: options.author ?? GITHUB_ACTIONS_BOT,
      ...(options.committer ? { committer: options.committer } : {}),
      ...(options.date ? { date: options.date } : {}),
    });
    if (remote) {
      log(`Pushing ${commit.slice(0, 12)} to ${remote}/${branch} (lease: ${previousSha ? previousSha.slice(0, 12) : 'branch absent'})`);
      await git.pushWithLease(remote, commit, branch, previousSha);
      await git.updateRef(`refs/remotes/${remote}/${branch}`, commit);
    } else {
      // The same lease, locally: refuse if something else moved the branch since we read it.
      await git.updateRef(`refs/heads/${branch}`, commit, previousSha ?? '');
    }
    return { action: previousSha ? 'updated' : 'created', branch, base, baseSha, headSha: commit, ...(previousSha ? { previousSha } : {}), pushed: remote !== null };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Fetches the renewal branch and its per-group siblings (`<branch>-<group>`) from `remote`
 * (non-interactively, as every Git call); returns their remote-tracking refs, none when there is
 * no renewal branch yet.
 */
export async function fetchRenewalBranches(git: Git, remote: string, branch: string): Promise<string[]> {
  try {
    await git.fetch(remote, [`+refs/heads/${branch}*:refs/remotes/${remote}/${branch}*`]);
  } catch {
    return [];
  }
  const refs = (await git.exec(['for-each-ref', '--format=%(refname)', `refs/remotes/${remote}/${branch}`, `refs/remotes/${remote}/${branch}-*`])).stdout;
  return refs.split('\n').filter(Boolean);
}
