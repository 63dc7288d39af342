import { didYouMean } from '../manifest/did-you-mean.js';
import { VERSION } from '../version.js';
import { CliError, UsageError, type CliIo, type Command } from './command.js';
import { COMMANDS } from './commands/index.js';

function globalUsage(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length)) + 4;
  const list = names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n]!.summary}`).join('\n');
  return `Usage: certops <command> [options]

Commands:
${list}

Options:
  -h, --help       show this help; certops <command> --help shows a command's options
  -v, --version    print the version
`;
}

/**
 * The whole CLI as a function of its arguments: resolves to the exit status and never throws,
 * so no input can end in a stack trace.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let usage = globalUsage();
  let prefix = 'certops';
  try {
    const [name, ...rest] = argv;
    if (name === undefined) throw new UsageError('missing command');
    if (name === '-h' || name === '--help' || name === 'help') {
      io.stdout(usage);
      return 0;
    }
    if (name === '-v' || name === '--version') {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!entry) {
      if (name.startsWith('-')) throw new UsageError(`unknown option ${name}; options go after the command`);
      const guess = didYouMean(name, Object.keys(COMMANDS));
      throw new UsageError(`unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ''}`);
    }
    const { command }: { command: Command } = await entry.load();
    usage = command.usage;
    prefix = `certops ${name}`;
    const ownArgs = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (ownArgs.includes('-h') || ownArgs.includes('--help')) {
      io.stdout(usage);
      return 0;
    }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${prefix}: ${e.message}\n\n${usage}`);
      return 2;
    }
    if (e instanceof CliError) {
      io.stderr(`certops: ${e.message}\n`);
      return e.exitCode;
    }
    io.stderr(`certops: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
