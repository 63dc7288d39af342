import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './command.js';

/** The age identity: --identity-file, else $CERTOPS_AGE_IDENTITY (the secret in Actions). */
export function readIdentity(file: string | undefined, cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (file !== undefined) {
    try {
      return readFileSync(resolve(cwd, file), 'utf8');
    } catch (e) {
      throw new CliError(`cannot read --identity-file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 2);
    }
  }
  return env.CERTOPS_AGE_IDENTITY || undefined;
}
