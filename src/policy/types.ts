import type { Finding, Severity } from '../findings.js';
import type { LockFile } from '../manifest/lock-file.js';
import type { CertificateSpec, Manifest } from '../manifest/types.js';
import type { PositionIndex } from '../manifest/yaml-source.js';
import type { RepoFiles } from '../repo/repo-files.js';
import type { FileFacts } from './file-facts.js';

/** A rule's settings in a policy file: its severity, an optional fix message, its parameters. */
export interface RuleConfig {
  severity: Severity | 'off';
  message?: string;
  [param: string]: unknown;
}

/** Which certificates a policy applies to; every listed condition must hold. */
export interface Selector {
  names?: string[];
  labels?: Record<string, string>;
  issuers?: string[];
}

export interface Policy {
  /** Repository-relative path of the policy file. */
  file: string;
  description?: string;
  approvers: string[];
  select: Selector;
  rules: Record<string, RuleConfig>;
  positions: PositionIndex;
}

/** Everything a rule may look at. Rules are pure: no clock, network or file access of their own. */
export interface LintContext {
  manifest: Manifest;
  manifestPositions: PositionIndex;
  lock: LockFile;
  lockPositions?: PositionIndex;
  lockFile: string;
  repo: RepoFiles;
  /** What the files hold (scans, certificate chains), worked out once per file. */
  files: FileFacts;
  now: Date;
  /** Policy files changed by the pull request (base..head), when linting one. */
  changedPolicyFiles: string[];
  /** The revision policies were read from, when not the working tree. */
  policyRevision?: string;
}

/** A finding before the engine stamps rule id and severity onto it. */
export type RuleFinding = Omit<Finding, 'ruleId' | 'severity'> & { severity?: Severity };

export interface Rule {
  id: string;
  /** One line for SARIF's shortDescription and the docs. */
  summary: string;
  /** How to fix a finding, for SARIF's help text. */
  help: string;
  /** per-certificate rules run for each selected certificate; repository rules once per policy. */
  scope: 'certificate' | 'repository';
  /** Checks the rule's parameters; returns a message per problem (reported at the policy file). */
  validate?(config: RuleConfig): string[];
  check(ctx: LintContext, config: RuleConfig, policy: Policy, cert?: CertificateSpec): RuleFinding[];
}
