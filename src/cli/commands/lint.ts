import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatJson } from '../../policy/format-json.js';
import { countsLine, formatText } from '../../policy/format-text.js';
import { runLint, type LintOptions, type LintResult } from '../../policy/lint.js';
import { formatSarif } from '../../policy/sarif.js';
import { toRepoPath } from '../../repo/repo-path.js';
import { CliError, nowOption, parseCommandArgs, repoOption, UsageError, type CliIo, type Command } from '../command.js';

const FORMATS = ['text', 'json', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

const OPTIONS = {
  repo: { type: 'string' },
  manifest: { type: 'string' },
  policies: { type: 'string' },
  base: { type: 'string' },
  now: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
} as const;

const USAGE = `Usage: certops lint [options]

Checks certificates.yaml, certificates.lock.yaml and the certificate files against the
policies in policies/ (or the built-in baseline when there are none).

Options:
  --repo DIR         repository root (default: the current directory)
  --manifest FILE    manifest, relative to the repository (default: certificates.yaml)
  --policies DIR     policy directory, relative to the repository (default: policies)
  --base REV         read policies from this git revision, e.g. a pull request's base,
                     so a change cannot weaken the policy it is judged by
  --now ISO-8601     evaluate date rules at this instant (default: the current time)
  --format FORMAT    text, json or sarif (default: text)
  --output FILE      write the report to FILE; standard output then gets only the counts
  -h, --help         show this help

Exit status: 0 no error-level finding, 1 error-level findings, 2 usage error or lint could not run.
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS);
    const format = parseFormat(values.format);
    const now = nowOption(values.now);
    const repoDir = repoOption(values.repo, io);

    const options: LintOptions = { repoDir, now };
    if (values.manifest !== undefined) options.manifestFile = repoPath(values.manifest, repoDir, '--manifest');
    if (values.policies !== undefined) options.policiesDir = repoPath(values.policies, repoDir, '--policies');
    if (values.base !== undefined) options.baseRev = values.base;

    let result: LintResult;
    try {
      result = runLint(options);
    } catch (e) {
      // runLint turns bad input into findings; what still throws (git missing, an unknown --base) stops the check.
      throw new CliError(`lint could not run: ${e instanceof Error ? e.message : String(e)}`, 2);
    }

    const report = format === 'json' ? formatJson(result) : format === 'sarif' ? formatSarif(result.findings) : formatText(result);
    if (values.output === undefined) {
      io.stdout(report);
    } else {
      const target = resolve(io.cwd, values.output);
      try {
        writeFileSync(target, report);
      } catch (e) {
        throw new CliError(`cannot write --output ${values.output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
      }
      io.stdout(`${countsLine(result.counts)}; ${format} report written to ${values.output}\n`);
    }
    return result.counts.error > 0 ? 1 : 0;
  },
};

function parseFormat(value: string | undefined): Format {
  if (value === undefined) return 'text';
  if ((FORMATS as readonly string[]).includes(value)) return value as Format;
  throw new UsageError(`--format must be one of ${FORMATS.join(', ')}; got "${value}"`);
}

function repoPath(value: string, repoDir: string, flag: string): string {
  const path = toRepoPath(value, repoDir);
  if (path === undefined) throw new UsageError(`${flag} ${value} must be a path inside the repository (${repoDir})`);
  return path;
}
