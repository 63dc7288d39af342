import * as core from '@actions/core';
import { INSTANT_FORMATS, parseInstant } from '../instant.js';

/** The workflow run's page, recorded in the lock file and in ledger events; outside Actions, `certops action`. */
export function runUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : 'certops action';
}

/** Masks an age identity line by line: an identity file may hold comments and several keys. */
export function maskIdentity(identity: string): void {
  for (const line of identity.split('\n')) if (line.trim()) core.setSecret(line.trim());
}

/** The `now` input (the action's clock, for tests and backfills): an instant with its zone, or the current time when empty. */
export function nowInput(name = 'now'): Date {
  const text = core.getInput(name);
  if (!text) return new Date();
  const now = parseInstant(text);
  if (!now) throw new Error(`Input "${name}" must be ${INSTANT_FORMATS}; got "${text}".`);
  return now;
}
