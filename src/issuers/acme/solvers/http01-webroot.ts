import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChallengeSolver, ChallengeTask } from './types.js';

// RFC 8555 tokens are base64url; anything else could climb out of the directory.
const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * http-01 answered by a web server that already serves `webroot`: the key authorization is
 * written to <webroot>/.well-known/acme-challenge/<token> and removed afterwards.
 */
export class WebrootHttp01Solver implements ChallengeSolver {
  readonly type = 'http-01';
  readonly description: string;
  private readonly dir: string;

  constructor(webroot: string) {
    this.dir = join(webroot, '.well-known', 'acme-challenge');
    this.description = `http-01 webroot ${webroot}`;
  }

  async present(task: ChallengeTask): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // World-readable: the web server usually runs as another user.
    await writeFile(this.file(task), task.value, { mode: 0o644 });
  }

  async cleanup(task: ChallengeTask): Promise<void> {
    await rm(this.file(task), { force: true });
  }

  private file(task: ChallengeTask): string {
    if (!TOKEN.test(task.token)) throw new Error(`the CA sent an http-01 token that is not base64url: ${JSON.stringify(task.token)}`);
    return join(this.dir, task.token);
  }
}
