import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LEDGER_FILE } from '../../report/ledger-file.js';
import { verifyLedger } from '../../report/ledger-verify.js';
import { CliError, parseCommandArgs, UsageError, type CliIo, type Command } from '../command.js';

const OPTIONS = {
  repo: { type: 'string' },
  ledger: { type: 'string' },
} as const;

const USAGE = `Usage: certops audit verify [options]

Checks the hash chain of the audit ledger and names the first line that was edited,
removed, reordered or truncated.

Options:
  --repo DIR      repository root (default: the current directory)
  --ledger FILE   ledger path, relative to the repository (default: ${LEDGER_FILE})
  -h, --help      show this help

Exit status: 0 the chain is whole, 1 it is broken, 2 usage error or no ledger.
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    if (sub !== 'verify') throw new UsageError(sub ? `unknown subcommand "audit ${sub}"; the only one is "audit verify"` : 'missing subcommand: certops audit verify');
    const { values } = parseCommandArgs(rest, OPTIONS);
    const path = resolve(io.cwd, values.repo ?? '.', values.ledger ?? LEDGER_FILE);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read the ledger ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
    }
    const result = verifyLedger(text);
    if (result.ok) {
      io.stdout(`${path}: ${result.lines} line(s), chain intact${result.head ? `; head ${result.head}` : ''}\n`);
      return 0;
    }
    io.stdout(`${path}: line ${result.firstBadLine}: ${result.problem}\n`);
    return 1;
  },
};
