import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { INSTANT_FORMATS, parseInstant } from '../instant.js';

/** Where a command writes and what it resolves relative paths against; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
}

/** One `certops <name>` sub-command. */
export interface Command {
  /** The full help text: usage line, description, options, exit status. */
  usage: string;
  /** Runs the command; resolves to the process exit status. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** The command line itself is wrong: exit 2, with the message and the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The command could not do its work for a reason the user can act on; no usage, own exit status. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode, with its errors turned into one-line usage errors
 * (its own messages go on to explain `--` in a second sentence that only confuses here).
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      const first = String((e as Error).message).split(/\.\s/)[0]!.replace(/\.$/, '');
      throw new UsageError(first.charAt(0).toLowerCase() + first.slice(1));
    }
    throw e;
  }
}

/** --now: the instant a run is evaluated at; the current time when not given. */
export function nowOption(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const now = parseInstant(value);
  if (!now) throw new UsageError(`--now "${value}" is not ${INSTANT_FORMATS}`);
  return now;
}

/** --repo: the repository root, resolved against the working directory; it must be a directory. */
export function repoOption(value: string | undefined, io: CliIo): string {
  const dir = resolve(io.cwd, value ?? '.');
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--repo ${value ?? '.'} is not a directory`);
  return dir;
}

/** Names given as repeated flags or comma-separated (`--only a --only b,c`). */
export function namesOption(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean);
}
