import * as core from '@actions/core';
import { CommandInput } from './constants.js';

type Loader = () => Promise<{ run(): Promise<void> }>;

/** The root action's sub-commands. Adding one is one line. */
const COMMANDS: Readonly<Record<string, Loader>> = {
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
    const { run: runCommand } = await COMMANDS[name]!();
    await runCommand();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}
