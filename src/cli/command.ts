import { parseArgs, type ParseArgsConfig } from 'node:util';

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
