import * as core from '@actions/core';

/** The workflow run's page, recorded in the lock file and in ledger events; outside Actions, `certops action`. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : 'certops action';
}

/** Masks an age identity line by line: an identity file may hold comments and several keys. */
export function maskIdentity(identity: string): void {
  for (const line of identity.split('\n')) if (line.trim()) core.setSecret(line.trim());
}
