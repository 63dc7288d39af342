import * as core from '@actions/core';
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { toRepoPath } from '../repo/repo-path.js';
import { DEFAULT_SARIF_FILE, FAIL_ON, LintInputs, type FailOn } from './constants.js';
import { nowInput } from './run-context.js';

/** Everything the lint action was asked to do, checked and resolved. */
export interface LintSettings {
  /** The checkout root (GITHUB_WORKSPACE, else the working directory); annotation and SARIF paths are relative to it. */
  workspace: string;
  /** Absolute path of the repository to lint (input `repo`, relative to the workspace). */
  repoDir: string;
  /** Manifest path relative to `repoDir`; unset means certificates.yaml. */
  manifestFile?: string;
  /** Policy directory relative to `repoDir`; unset means policies. */
  policiesDir?: string;
  /** Revision to read policies from: input `base`, else the pull request's base commit; unset lints against the working tree's policies. */
  baseRev?: string;
  /** Where `baseRev` came from, for the log. */
  baseSource: 'input' | 'event' | 'none';
  /** The instant date rules are evaluated at. */
  now: Date;
  /** Absolute path the SARIF log is written to. */
  sarifFile: string;
  /** The lowest severity that fails the step, or `never`. */
  failOn: FailOn;
  /**
   * Append new error-level findings to the audit ledger as policy_violation events and commit it
   * back. Never on pull requests: their findings are proposals, and their checkout is a merge ref.
   */
  recordViolations: boolean;
}

/** Reads and checks the inputs; throws an Error saying what was expected when one is wrong. */
export async function getInputs(env: NodeJS.ProcessEnv = process.env): Promise<LintSettings> {
  const workspace = resolve(env.GITHUB_WORKSPACE || process.cwd());
  const repoDir = resolve(workspace, core.getInput(LintInputs.Repo) || '.');
  if (!isDirectory(repoDir)) {
    throw new Error(`Input "${LintInputs.Repo}" must be a directory in the workspace (${workspace}); ${repoDir} is not one. Check out the repository first (actions/checkout).`);
  }

  const now = nowInput(LintInputs.Now);
  const failOn = core.getInput(LintInputs.FailOn) || 'error';
  if (!(FAIL_ON as readonly string[]).includes(failOn)) {
    throw new Error(`Input "${LintInputs.FailOn}" must be one of ${FAIL_ON.join(', ')}; got "${failOn}".`);
  }
  const sarifInput = core.getInput(LintInputs.SarifFile) || DEFAULT_SARIF_FILE;

  const settings: LintSettings = {
    workspace,
    repoDir,
    baseSource: 'none',
    now,
    sarifFile: isAbsolute(sarifInput) ? sarifInput : resolve(workspace, sarifInput),
    failOn: failOn as FailOn,
    recordViolations: core.getInput(LintInputs.RecordViolations) === 'true' && !BASE_EVENTS.has(env.GITHUB_EVENT_NAME ?? ''),
  };
  const manifest = core.getInput(LintInputs.Manifest);
  if (manifest) settings.manifestFile = repoPath(LintInputs.Manifest, manifest, repoDir);
  const policies = core.getInput(LintInputs.Policies);
  if (policies) settings.policiesDir = repoPath(LintInputs.Policies, policies, repoDir);

  const base = core.getInput(LintInputs.Base);
  if (base) {
    settings.baseRev = base;
    settings.baseSource = 'input';
  } else {
    const fromEvent = await eventBase(env.GITHUB_EVENT_NAME);
    if (fromEvent) {
      settings.baseRev = fromEvent;
      settings.baseSource = 'event';
    }
  }
  return settings;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function repoPath(input: string, value: string, repoDir: string): string {
  const path = toRepoPath(value, repoDir);
  if (path === undefined) throw new Error(`Input "${input}" must be a path inside the repository ${repoDir}; got "${value}".`);
  return path;
}

const BASE_EVENTS = new Set(['pull_request', 'pull_request_target', 'merge_group']);

/**
 * The commit a pull request (or merge queue entry) will merge into. The github context is
 * imported only here, since it reads the event file when first imported, which a push or
 * schedule run never needs.
 */
async function eventBase(eventName: string | undefined): Promise<string | undefined> {
  if (!eventName || !BASE_EVENTS.has(eventName)) return undefined;
  const { context } = await import('./github-context.js');
  const payload = context.payload as { pull_request?: { base?: { sha?: unknown } }; merge_group?: { base_sha?: unknown } };
  const sha = eventName === 'merge_group' ? payload.merge_group?.base_sha : payload.pull_request?.base?.sha;
  return typeof sha === 'string' && sha ? sha : undefined;
}
