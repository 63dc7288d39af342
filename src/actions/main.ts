import * as core from '@actions/core';
import { CommandInput } from './constants.js';

type Loader = () => Promise<{ run(): Promise<void> }>;

/**
 * The root action's sub-commands. A name mapped to undefined is planned but not in this build,
 * so it fails with that said rather than as a typo. Adding one is one line.
 */
const COMMANDS: Readonly<Record<string, Loader | undefined>> = {
  lint: () => import('./lint.js'),
  renew: () => import('./renew.js'),
  deploy: () => import('./deploy.js'),
  report: () => import('./report.js'),
};

/** The root action: `command:` selects the sub-command, which reads its own inputs. */
export async function run(): Promise<void> {
  try {
    const name = core.getInput(CommandInput).trim();
    const names = Object.keys(COMMANDS).join(', ');
    if (!name) throw new Error(`Input "${CommandInput}" is required: one of ${names}.`);
    if (!Object.hasOwn(COMMANDS, name)) throw new Error(`Input "${CommandInput}" must be one of ${names}; got "${name}".`);
    const load = COMMANDS[name];
    if (!load) {
      const ready = Object.keys(COMMANDS).filter((n) => COMMANDS[n]);
      throw new Error(`command "${name}" is not available in this version of certops yet; available: ${ready.join(', ')}.`);
    }
    const { run: runCommand } = await load();
    await runCommand();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
