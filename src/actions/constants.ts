/** Input names of the lint action, as written in actions/lint/action.yml and the root action.yml. */
export const LintInputs = {
  Repo: 'repo',
  Manifest: 'manifest',
  Policies: 'policies',
  Base: 'base',
  Now: 'now',
  SarifFile: 'sarif-file',
  FailOn: 'fail-on',
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
