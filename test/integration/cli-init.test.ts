import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('certops init, ca init, then the first renewal', () => {
  const root = mkdtempSync(join(tmpdir(), 'certops-cli-init-'));
  const repo = join(root, 'repo');
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes a starter that lints clean, an identity outside the repository, and a CA', async () => {
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const init = await cli(['init', '--repo', repo], root);
    assert.equal(init.code, 0, init.stderr);
    const identityFile = join(root, 'certops-identity.txt');
    assert.equal(statSync(identityFile).mode & 0o777, 0o600);
    assert.match(readFileSync(identityFile, 'utf8'), /^AGE-SECRET-KEY-1/m);
    assert.equal((await cli(['init', '--repo', repo], root)).code, 2, 'init never overwrites');
    const ca = await cli(['ca', 'init', '--repo', repo], root);
    assert.equal(ca.code, 0, ca.stderr);
    assert.ok(existsSync(join(repo, 'pki/ca.key.age')));
    const lint = await cli(['lint', '--repo', repo, '--format', 'json'], root);
    assert.equal(lint.code, 0, lint.stdout);
    assert.equal((JSON.parse(lint.stdout) as { counts: { error: number } }).counts.error, 0);
  });

  it('renew --no-commit works before the first commit; committing needs one', async () => {
    const identity = join(root, 'certops-identity.txt');
    const dry = await cli(['renew', '--repo', repo, '--identity-file', identity, '--no-commit'], root);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /renewed example/);
    const commit = await cli(['renew', '--repo', repo, '--identity-file', identity, '--force'], root);
    assert.equal(commit.code, 2);
    assert.match(commit.stderr, /no commit on a branch.*--no-commit/);
  });
});
