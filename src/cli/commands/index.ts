import type { Command } from '../command.js';

export interface CommandEntry {
  /** One line for `certops --help`. */
  summary: string;
  load(): Promise<{ command: Command }>;
}

/** Every `certops <name>` command: adding one is one line here and one file beside this one. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  init: { summary: 'start a certops repository: certificates.yaml, policies/, an age identity', load: () => import('./init.js') },
  ca: { summary: 'ca init: create the built-in CA, its key age-encrypted', load: () => import('./ca.js') },
  lint: { summary: 'check certificates.yaml, the lock file and certificates against policies/', load: () => import('./lint.js') },
  renew: { summary: 'issue the certificates that are due and commit them to the renewal branch', load: () => import('./renew.js') },
  deploy: { summary: 'deploy certificates to their targets, verify what is served, roll back on failure', load: () => import('./deploy.js') },
  report: { summary: 'write expiry, metrics and evidence reports; forward ledger events to SIEM sinks', load: () => import('./report.js') },
  audit: { summary: 'audit verify: check the hash chain of the audit ledger', load: () => import('./audit.js') },
};
