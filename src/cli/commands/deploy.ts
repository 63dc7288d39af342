import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployInputError, deployCertificates } from '../../deploy/index.js';
import { loadDeploySources } from '../../deploy/load-sources.js';
import { ManifestError } from '../../manifest/load-manifest.js';
import { LedgerSink } from '../../report/ledger-sink.js';
import { CliError, namesOption, nowOption, parseCommandArgs, repoOption, UsageError, type CliIo, type Command } from '../command.js';
import { readIdentity } from '../identity.js';

const OPTIONS = {
  repo: { type: 'string' },
  since: { type: 'string' },
  only: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  'identity-file': { type: 'string' },
  now: { type: 'string' },
  'no-ledger': { type: 'boolean' },
  verbose: { type: 'boolean' },
} as const;

const USAGE = `Usage: certops deploy [options]

Deploys certificates to the targets each one names in certificates.yaml, verifies what is
served, and rolls back a target whose deploy, reload or verification fails. Every deploy,
failure and rollback is appended to the audit ledger reports/audit.jsonl.

Options:
  --repo DIR            repository root (default: the current directory)
  --since REV           deploy the certificates whose lock entries changed since REV
  --only NAME           deploy only this certificate (repeat, or separate with commas)
  --all                 deploy every certificate in the lock file
  --identity-file FILE  age identity that decrypts the keys (default: $CERTOPS_AGE_IDENTITY)
  --now ISO-8601        the instant certificates must be valid at (default: the current time)
  --no-ledger           do not append events to reports/audit.jsonl
  --verbose             log every step as it happens
  -h, --help            show this help

One of --since, --only or --all is required. A rerun changes nothing when everything is in place.
Exit status: 0 all deployed or unchanged, 1 a deploy failed, 2 usage error or deploy could not run.
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS);
    const now = nowOption(values.now);
    const only = namesOption(values.only);
    if (!values.since && !only?.length && !values.all) throw new UsageError('say what to deploy: --since REV, --only NAME or --all');
    const repoDir = repoOption(values.repo, io);
    const identity = readIdentity(values['identity-file'], io.cwd);
    if (!identity) throw new UsageError('the keys are age-encrypted: give --identity-file FILE or set CERTOPS_AGE_IDENTITY');
    let sources;
    try {
      sources = loadDeploySources(repoDir);
    } catch (e) {
      if (e instanceof ManifestError) throw new CliError(e.message, 2);
      throw e;
    }
    const { manifest, lock } = sources;
    const workDir = mkdtempSync(join(tmpdir(), 'certops-deploy-'));
    try {
      const result = await deployCertificates({
        repoDir,
        manifest,
        lock,
        ...(values.since ? { since: values.since } : {}),
        ...(only?.length ? { only } : {}),
        ...(values.all ? { all: true } : {}),
        identity,
        workDir,
        now,
        ...(values['no-ledger'] ? {} : { events: new LedgerSink(repoDir) }),
        log: (line) => (values.verbose ? io.stderr(`${line}\n`) : undefined),
        runUrl: 'certops cli',
        actor: process.env.USER ?? 'certops',
      });
      // Every step of a failure matters; a success is one line (--verbose shows its steps).
      for (const o of [...result.deployed, ...result.unchanged]) io.stdout(`${o.certificate} -> ${o.target}: ${o.status}${o.serial ? ` (serial ${o.serial})` : ''}\n`);
      for (const o of result.failed) io.stdout(`${o.certificate} -> ${o.target}: ${o.message}\n`);
      for (const s of result.skipped) io.stdout(`${s.certificate}: skipped: ${s.reason}\n`);
      io.stdout(`${result.deployed.length} deployed, ${result.unchanged.length} unchanged, ${result.failed.length} failed (${result.rolledBack.length} rolled back)\n`);
      return result.ok ? 0 : 1;
    } catch (e) {
      if (e instanceof DeployInputError) throw new CliError(e.message, 2);
      throw e;
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};
