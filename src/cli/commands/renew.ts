import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { publishRenewal } from '../../gitops/publish-renewal.js';
import { removeRepoFile } from '../../repo/confined-io.js';
import { DEFAULT_RENEWAL_BRANCH } from '../../gitops/renewal-branch.js';
import { GROUPINGS, type Grouping } from '../../renewal/grouping.js';
import { formatPlan } from '../../renewal/format-plan.js';
import { PlanInputError } from '../../renewal/plan.js';
import { ManifestError } from '../../manifest/load-manifest.js';
import { renew } from '../../renewal/renew.js';
import { CliError, namesOption, nowOption, parseCommandArgs, repoOption, UsageError, type CliIo, type Command } from '../command.js';
import { readIdentity } from '../identity.js';

const OPTIONS = {
  repo: { type: 'string' },
  now: { type: 'string' },
  concurrency: { type: 'string' },
  'dry-run': { type: 'boolean' },
  only: { type: 'string', multiple: true },
  force: { type: 'boolean' },
  'identity-file': { type: 'string' },
  base: { type: 'string' },
  branch: { type: 'string' },
  'pr-file': { type: 'string' },
  'no-commit': { type: 'boolean' },
  grouping: { type: 'string' },
} as const;

const USAGE = `Usage: certops renew [options]

Finds the certificates that are due, issues them, writes certs/<name>/ and
certificates.lock.yaml, and commits them to the renewal branch of the local repository.
The pull request title and body are written to a file (the renew action opens the pull
request on GitHub instead).

Options:
  --repo DIR            repository root (default: the current directory)
  --now ISO-8601        plan and issue at this instant (default: the current time)
  --concurrency N       certificates issued at once (default: 4)
  --dry-run             print the plan; issue and write nothing
  --only NAME           renew only this certificate (repeat, or separate with commas)
  --force               renew the selected certificates even if they are not due
  --identity-file FILE  age identity for keys kept in the repository (default: $CERTOPS_AGE_IDENTITY)
  --base BRANCH         the branch renewals are proposed against (default: the current branch)
  --branch NAME         the renewal branch (default: ${DEFAULT_RENEWAL_BRANCH})
  --grouping G          all (one branch), certificate or owner (a branch <branch>-<group> each)
  --pr-file FILE        where to write the pull request text (default: .git/certops-renewal-pr.md)
  --no-commit           leave the renewal in the working tree; commit nothing
  -h, --help            show this help

Exit status: 0 nothing failed, 1 a certificate failed to renew, 2 usage error or renew could not run.
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS);
    const now = nowOption(values.now);
    const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`--concurrency must be a whole number from 1 to 64; got "${values.concurrency}"`);
    const repoDir = repoOption(values.repo, io);
    const only = namesOption(values.only);
    const identity = readIdentity(values['identity-file'], io.cwd);
    const branch = values.branch ?? DEFAULT_RENEWAL_BRANCH;
    const grouping = values.grouping ?? 'all';
    if (!(GROUPINGS as readonly string[]).includes(grouping)) throw new UsageError(`--grouping must be one of ${GROUPINGS.join(', ')}; got "${grouping}"`);
    const gitRepo = isGitRepo(repoDir);
    const commit = gitRepo && !values['no-commit'] && !values['dry-run'];
    let base = values.base;
    if (commit && base === undefined) {
      try {
        base = git(repoDir, 'symbolic-ref', '--short', 'HEAD');
        git(repoDir, 'rev-parse', '--verify', '--quiet', 'HEAD');
      } catch {
        throw new CliError(`${repoDir} has no commit on a branch to propose renewals against: commit certificates.yaml first, pass --base BRANCH, or use --no-commit`, 2);
      }
    }

    let result;
    try {
      result = await renew({
        repoDir,
        now,
        concurrency,
        ...(values['dry-run'] ? { dryRun: true } : {}),
        ...(only?.length ? { only } : {}),
        ...(values.force ? { force: true } : {}),
        ...(identity ? { identity } : {}),
        ...(commit ? { pendingRevisions: localRenewalBranches(repoDir, branch) } : {}),
        log: (line) => io.stderr(`${line}\n`),
      });
    } catch (e) {
      if (e instanceof ManifestError || e instanceof PlanInputError) throw new CliError(e.message, 2);
      throw e;
    }
    io.stdout(formatPlan(result.plan));
    if (values['dry-run']) return 0;
    for (const r of result.renewed) io.stdout(`renewed ${r.name}: serial ${r.newSerial}, notAfter ${r.newNotAfter}${r.carried ? ' (already on the renewal branch)' : ''}\n`);
    for (const f of result.failed) io.stdout(`FAILED ${f.name} (${f.issuer}): ${f.error}\n`);
    if (commit && (result.renewed.length || result.removed.length)) {
      const published = await publishRenewal({
        repoDir,
        result,
        manifest: result.manifest,
        base: base!,
        branch,
        grouping: grouping as Grouping,
        remote: null,
        ...(values['pr-file'] ? { pullRequestFile: resolve(io.cwd, values['pr-file']) } : {}),
        date: now,
      });
      restoreWorkingTree(repoDir, result.changedPaths);
      for (const g of published.groups) io.stdout(`branch ${g.branch.branch}: ${g.branch.action}\n`);
      if (published.pullRequestFile) io.stdout(`pull request text in ${published.pullRequestFile}\n`);
      io.stdout(`the renewal is on ${published.groups.map((g) => g.branch.branch).join(', ')} (git switch to look); the working tree is as it was\n`);
    } else if (!result.renewed.length && result.plan.nextDue) {
      io.stdout(`nothing due; next: ${result.plan.nextDue.name} on ${result.plan.nextDue.renewAt.toISOString()}\n`);
    }
    return result.failed.length ? 1 : 0;
  },
};

/**
 * The renewal now lives on its branch; leaving its files in the working tree as well would
 * only block a checkout or merge of that branch. Put back what HEAD has.
 */
function restoreWorkingTree(repoDir: string, paths: readonly string[]): void {
  for (const path of paths) {
    try {
      git(repoDir, 'cat-file', '-e', `HEAD:${path}`);
      git(repoDir, 'checkout', 'HEAD', '--', path);
    } catch {
      removeRepoFile(repoDir, path);
    }
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

function isGitRepo(dir: string): boolean {
  try {
    return git(dir, 'rev-parse', '--is-inside-work-tree') === 'true';
  } catch {
    return false;
  }
}

/** The local renewal branch and its per-group siblings. */
function localRenewalBranches(dir: string, branch: string): string[] {
  return git(dir, 'for-each-ref', '--format=%(refname)', `refs/heads/${branch}`, `refs/heads/${branch}-*`).split('\n').filter(Boolean);
}

