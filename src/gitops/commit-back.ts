import { removeRepoFile } from '../repo/confined-io.js';
import { GITHUB_ACTIONS_BOT, Git, GitError, type GitIdentity } from './git.js';

export interface CommitBackOptions {
  /**
   * A checkout the job owns (Actions). Between attempts HEAD and `paths` are reset to the remote
   * tip; every other file in the working tree is left as it is (renew keeps its renewal there).
   */
  repoDir: string;
  /** The branch to commit to, e.g. the default branch. */
  branch: string;
  remote?: string;
  /** The commit message; `[skip ci]` is appended so the commit does not start workflows again. */
  message: string;
  author?: GitIdentity;
  /** Paths the commit may change. */
  paths: readonly string[];
  /**
   * Writes this attempt's files into the checkout. Called again after a rejected push, on top of
   * the new remote tip, so what it writes is always derived from the latest state: a rebase that
   * recomputes instead of merging text (a ledger appends its events to whatever is there now).
   */
  produce: (attempt: number) => Promise<void>;
  attempts?: number;
  log?: (line: string) => void;
}

export interface CommitBackResult {
  action: 'committed' | 'unchanged';
  sha?: string;
  attempts: number;
}

/** Commits generated files back to a branch, retrying on a non-fast-forward push. No change: no commit. */
export async function commitBack(options: CommitBackOptions): Promise<CommitBackResult> {
  const git = new Git(options.repoDir);
  const remote = options.remote ?? 'origin';
  const author = options.author ?? GITHUB_ACTIONS_BOT;
  const attempts = options.attempts ?? 3;
  const message = options.message.includes('[skip ci]') ? options.message : `${options.message}\n\n[skip ci]`;
  for (let attempt = 1; ; attempt++) {
    await options.produce(attempt);
    const status = (await git.exec(['status', '--porcelain', '--untracked-files=all', '--', ...options.paths])).stdout.trim();
    if (!status) return { action: 'unchanged', attempts: attempt };
    await git.exec(['add', '--all', '--', ...options.paths]);
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: author.name,
      GIT_COMMITTER_EMAIL: author.email,
    };
    await git.exec(['commit', '--quiet', '--no-verify', '-m', message, '--', ...options.paths], { env });
    const sha = (await git.exec(['rev-parse', 'HEAD'])).stdout.trim();
    try {
      await git.exec(['push', '--quiet', remote, `HEAD:refs/heads/${options.branch}`]);
      options.log?.(`committed ${sha.slice(0, 12)} to ${options.branch}`);
      return { action: 'committed', sha, attempts: attempt };
    } catch (error) {
      if (!(error instanceof GitError) || !/\[rejected\]|non-fast-forward|fetch first|stale info|failed to push some refs/.test(error.stderr) || attempt >= attempts) throw error;
      options.log?.(`${options.branch} moved on while this run worked; rebuilding on the new tip (attempt ${attempt + 1} of ${attempts})`);
      await git.fetch(remote, [`refs/heads/${options.branch}`]);
      await git.exec(['reset', '--quiet', 'FETCH_HEAD']);
      for (const path of options.paths) {
        const known = (await git.exec(['ls-tree', '--name-only', 'FETCH_HEAD', '--', path])).stdout.trim();
        if (known) await git.exec(['checkout', 'FETCH_HEAD', '--', path]);
        // The new tip may hold a link on the way (checked out just above): remove without following one.
        else removeRepoFile(options.repoDir, path, { recursive: true });
      }
    }
  }
}
