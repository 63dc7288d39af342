import { childEnvironment, describeFailure, runCommand } from '../../../process/run-command.js';
import { dns01RecordName, type ChallengeSolver, type ChallengeTask } from './types.js';

/**
 * dns-01 through a user's program: `<command...> add <fqdn> <value>` to publish the TXT record,
 * `<command...> remove <fqdn> <value>` to take it away. The fqdn is `_acme-challenge.<name>.`,
 * with the final dot. The program must exit 0 once the record is published.
 */
export class ExecDns01Solver implements ChallengeSolver {
  readonly type = 'dns-01';
  readonly description: string;

  constructor(private readonly command: readonly string[], private readonly options: { timeoutMs: number; env?: NodeJS.ProcessEnv }) {
    if (command.length === 0 || !command[0]) throw new Error('dns01.exec.command is empty: give the program and its fixed arguments as a list');
    this.description = `dns-01 exec hook ${command[0]}`;
  }

  async present(task: ChallengeTask): Promise<void> {
    await this.run('add', task);
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    await this.run('remove', task);
  }

  private async run(action: 'add' | 'remove', task: ChallengeTask): Promise<void> {
    // certops' own environment (PATH, the provider's credentials), less the action's inputs, which hold the age identity.
    const result = await runCommand([...this.command, action, dns01RecordName(task), task.value], { timeoutMs: this.options.timeoutMs, env: childEnvironment(this.options.env ?? process.env, []) });
    if (result.exitCode !== 0) throw new Error(`dns-01 hook "${action}" for ${task.identifier.value} failed: ${describeFailure(this.command[0] ?? 'the hook', result, this.options.timeoutMs)}`);
  }
}
