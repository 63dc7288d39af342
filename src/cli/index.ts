import { keepYoungGenerationSmall } from '../runtime/young-generation.js';
import { main } from './main.js';

keepYoungGenerationSmall();

// A failure outside main's own promise chain still gets one line, never a stack trace.
const die = (e: unknown) => {
  process.stderr.write(`certops: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
};
process.on('uncaughtException', die);
process.on('unhandledRejection', die);
// `certops lint | head` closes the pipe early; that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' ? process.exit(process.exitCode ?? 0) : die(e)));

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  cwd: process.cwd(),
});
