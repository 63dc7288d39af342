import { countFindings, sortFindings, type Finding, type FindingCounts } from '../findings.js';
import { LOCK_FILE, loadLock, type LockLoad } from '../manifest/lock-file.js';
import { loadManifest, MANIFEST_FILE, type ManifestLoad } from '../manifest/load-manifest.js';
import { changedPaths, readDirAtRevision } from '../repo/git-revision.js';
import { workingTree, type RepoFiles } from '../repo/repo-files.js';
import { BASELINE_POLICY, BASELINE_POLICY_FILE } from './baseline.js';
import { evaluatePolicies } from './evaluate.js';
import { startExamination, type Examination } from './parallel-examination.js';
import { loadPolicies } from './load-policies.js';
import type { LintContext, Policy } from './types.js';

export interface LintOptions {
  /** Repository root (the working tree that is checked). */
  repoDir: string;
  /** Repository-relative path of the manifest. Default `certificates.yaml`. */
  manifestFile?: string;
  /** Repository-relative path of the lock file. Default `certificates.lock.yaml`. */
  lockFile?: string;
  /** Repository-relative directory of policy files. Default `policies`. */
  policiesDir?: string;
  /**
   * Read policies from this git revision (a pull request's base) instead of the working tree,
   * so a change cannot weaken the policy it is judged by.
   */
  baseRev?: string;
  /** The clock: every date rule is evaluated at this instant. */
  now: Date;
}

/** What loadManifest and loadLock made of the texts a PendingLint read. */
export interface LoadedSources {
  manifest: ManifestLoad;
  lock: LockLoad;
}

/**
 * A lint begun: the manifest and lock file are read and, on a large repository, the examination
 * of the certificate files has started in child processes. A caller with other work to do (the
 * report) does it meanwhile, and may load the two texts itself and hand them to finish, so
 * they are parsed once.
 */
export interface PendingLint {
  manifestText: string | undefined;
  lockText: string | undefined;
  /** Completes the lint; `loaded` must be what loadManifest and loadLock make of manifestText and lockText at the same paths. */
  finish(loaded?: LoadedSources): LintResult;
  /** Stops the examination when the lint will not be finished. Harmless after finish. */
  cancel(): void;
}

export interface LintResult {
  findings: Finding[];
  counts: FindingCounts;
  /** The policies that were applied, and where they were read from. */
  policies: Policy[];
  policySource: 'working-tree' | 'base-revision' | 'built-in baseline';
  certificates: number;
}

/** Lints a repository: manifest, lock file, certificate files and policy. Never throws on bad input. */
export function runLint(options: LintOptions): LintResult {
  return beginLint(options).finish();
}

/** Starts a lint (see PendingLint); runLint is beginLint(options).finish(). */
export function beginLint(options: LintOptions): PendingLint {
  const manifestFile = options.manifestFile ?? MANIFEST_FILE;
  const lockFile = options.lockFile ?? LOCK_FILE;
  const tree = workingTree(options.repoDir);
  const manifestText = tree.readText(manifestFile);
  const lockText = manifestText === undefined ? undefined : tree.readText(lockFile);
  // On a large repository, child processes read and examine the certificate files while this thread parses YAML.
  const examination = manifestText === undefined ? undefined : startExamination(tree, manifestText, lockText);
  return {
    manifestText,
    lockText,
    finish(loaded) {
      try {
        if (manifestText === undefined) {
          const findings: Finding[] = [{ ruleId: 'manifest-missing', severity: 'error', message: `${manifestFile} not found in ${options.repoDir}. Create it (certops init writes a starter) or pass --manifest.`, file: manifestFile, line: 1, column: 1 }];
          return { findings, counts: countFindings(findings), policies: [], policySource: 'working-tree', certificates: 0 };
        }
        return lint(options, examination?.repo ?? tree, manifestText, lockText, [], loaded, examination?.files);
      } finally {
        examination?.close();
      }
    },
    cancel() {
      examination?.close();
    },
  };
}

function lint(options: LintOptions, repo: RepoFiles, manifestText: string, lockText: string | undefined, findings: Finding[], preloaded: LoadedSources | undefined, examined: Examination['files'] | undefined): LintResult {
  const manifestFile = options.manifestFile ?? MANIFEST_FILE;
  const lockFile = options.lockFile ?? LOCK_FILE;
  const policiesDir = (options.policiesDir ?? 'policies').replace(/\/+$/, '');
  const loaded = preloaded?.manifest ?? loadManifest(manifestText, manifestFile);
  findings.push(...loaded.findings);
  const lockLoad = preloaded?.lock ?? loadLock(lockText, lockFile);
  findings.push(...lockLoad.findings);

  let policyFiles: Map<string, string>;
  let policySource: LintResult['policySource'];
  let changedPolicyFiles: string[] = [];
  if (options.baseRev) {
    // readDirAtRevision checks the revision exists (one git process less than resolving it first).
    policyFiles = readDirAtRevision(options.repoDir, options.baseRev, policiesDir);
    changedPolicyFiles = changedPaths(options.repoDir, `${options.baseRev}^{commit}`, undefined, policiesDir);
    policySource = 'base-revision';
  } else {
    policyFiles = new Map();
    for (const path of repo.list()) if (path.startsWith(`${policiesDir}/`)) policyFiles.set(path, repo.readText(path) ?? '');
    policySource = 'working-tree';
  }
  if (![...policyFiles.keys()].some((p) => /\.ya?ml$/.test(p))) {
    policyFiles = new Map([[BASELINE_POLICY_FILE, BASELINE_POLICY]]);
    policySource = 'built-in baseline';
  }
  const { policies, findings: policyFindings } = loadPolicies(policyFiles);
  findings.push(...policyFindings);

  if (loaded.manifest && loaded.positions) {
    const ctx: Omit<LintContext, 'files'> = {
      manifest: loaded.manifest,
      manifestPositions: loaded.positions,
      lock: lockLoad.lock,
      lockFile,
      repo,
      now: options.now,
      changedPolicyFiles,
    };
    if (lockLoad.positions) ctx.lockPositions = lockLoad.positions;
    if (options.baseRev) ctx.policyRevision = options.baseRev;
    findings.push(...evaluatePolicies(ctx, policies, examined));
  }
  sortFindings(findings);
  return { findings, counts: countFindings(findings), policies, policySource, certificates: loaded.manifest?.certificates.length ?? 0 };
}
