/** Input names of the lint action, as written in actions/lint/action.yml and the root action.yml. */
export const LintInputs = {
  Repo: 'repo',
  Manifest: 'manifest',
  Policies: 'policies',
  Base: 'base',
  Now: 'now',
  SarifFile: 'sarif-file',
  FailOn: 'fail-on',
  RecordViolations: 'record-violations',
} as const;

/** Output names of the lint action. */
export const LintOutputs = {
  Errors: 'errors',
  Warnings: 'warnings',
  Findings: 'findings',
  SarifFile: 'sarif-file',
} as const;

/** The root action's input that selects the sub-command. */
export const CommandInput = 'command';

export const FAIL_ON = ['error', 'warning', 'never'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export const DEFAULT_SARIF_FILE = 'certops.sarif';

/** Input names of the renew action (actions/renew/action.yml; prefixed nowhere in the root action). */
export const RenewInputs = {
  Repo: 'repo',
  Now: 'now',
  Concurrency: 'concurrency',
  DryRun: 'dry-run',
  Only: 'only',
  Force: 'force',
  Identity: 'identity',
  Token: 'github-token',
  Repository: 'repository',
  BaseBranch: 'base-branch',
  Branch: 'branch',
  Labels: 'labels',
  Draft: 'draft',
  Author: 'author',
  AcmeCaCertificate: 'acme-ca-certificate',
  CommitLedger: 'commit-ledger',
  Grouping: 'grouping',
  AutoMerge: 'auto-merge',
} as const;

/** Output names of the renew action. */
export const RenewOutputs = {
  Renewed: 'renewed',
  Failed: 'failed',
  PullRequestNumber: 'pull-request-number',
  PullRequestUrl: 'pull-request-url',
  PullRequests: 'pull-requests',
  Plan: 'plan',
} as const;

/** Input names of the deploy action. */
export const DeployInputs = {
  Repo: 'repo',
  Identity: 'identity',
  Since: 'since',
  Only: 'only',
  All: 'all',
  Now: 'now',
  CommitLedger: 'commit-ledger',
  LedgerBranch: 'ledger-branch',
  Author: 'author',
  Deployments: 'deployments',
  DeploymentEnvironment: 'deployment-environment',
  Token: 'github-token',
  Repository: 'repository',
} as const;

/** Output names of the deploy action. */
export const DeployOutputs = {
  Deployed: 'deployed',
  Failed: 'failed',
  RolledBack: 'rolled-back',
  Deployments: 'deployments',
} as const;

/** Input names of the report action. */
export const ReportInputs = {
  Repo: 'repo',
  Now: 'now',
  OutDir: 'out-dir',
  Thresholds: 'thresholds',
  BusinessHours: 'business-hours',
  Commit: 'commit',
  Branch: 'commit-branch',
  Dashboard: 'dashboard',
  Token: 'github-token',
  Repository: 'repository',
  SiemUrl: 'siem-url',
  SiemFormat: 'siem-format',
  SiemSecret: 'siem-secret',
  SiemToken: 'siem-token',
  SiemFile: 'siem-file',
  Author: 'author',
} as const;

/** Output names of the report action. */
export const ReportOutputs = {
  Changed: 'changed',
  Alerts: 'alerts',
  DashboardIssue: 'dashboard-issue',
  LedgerOk: 'ledger-ok',
} as const;
