import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventType, type LifecycleEvent } from '../../src/events/event.js';
import { commitBack } from '../../src/gitops/commit-back.js';
import { appendEvents, LEDGER_FILE } from '../../src/report/ledger-file.js';
import { verifyLedger } from '../../src/report/ledger-verify.js';

const event = (certificate: string): LifecycleEvent => ({
  timestamp: '2026-11-27T10:00:00.000Z',
  event_type: eventType('deployed'),
  certificate_subject: `CN=${certificate}.example.test`,
  certificate_serial: '01:02',
  issuer: 'CN=test CA',
  expiration_date: '2026-12-27T10:00:00.000Z',
  deployment_status: 'success',
  target_systems: ['edge'],
  certificate,
  actor: 'test',
  run_url: 'certops cli',
});

describe('commitBack', () => {
  let root: string;
  let origin: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const clone = (name: string) => {
    const dir = join(root, name);
    git(root, 'clone', '-q', origin, dir);
    return dir;
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'certops-commit-back-'));
    origin = join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', origin);
    const seed = clone('seed');
    git(seed, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'start');
    git(seed, 'push', '-q', 'origin', 'main');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('rebuilds on the new tip when another run pushed first; both runs\' events end up chained', async () => {
    const slow = clone('slow');
    const fast = clone('fast');
    // Work the slow run keeps in its checkout (renew's renewal) must survive the rebuild.
    mkdirSync(join(slow, 'certs/www'), { recursive: true });
    writeFileSync(join(slow, 'certs/www/cert.pem'), 'renewed');
    const first = await commitBack({ repoDir: fast, branch: 'main', message: 'fast', paths: [LEDGER_FILE], produce: async () => void (await appendEvents(fast, [event('fast')])) });
    assert.equal(first.action, 'committed');
    const attempts: number[] = [];
    const second = await commitBack({
      repoDir: slow,
      branch: 'main',
      message: 'slow',
      paths: [LEDGER_FILE],
      produce: async (attempt) => {
        attempts.push(attempt);
        await appendEvents(slow, [event('slow')]);
      },
    });
    assert.equal(second.action, 'committed');
    assert.deepEqual(attempts, [1, 2]);
    const ledger = execFileSync('git', ['show', `main:${LEDGER_FILE}`], { cwd: origin, encoding: 'utf8' });
    assert.deepEqual(ledger.trim().split('\n').map((l) => (JSON.parse(l) as { certificate: string }).certificate), ['fast', 'slow']);
    assert.equal(verifyLedger(ledger).ok, true);
    assert.match(git(origin, 'log', '-1', '--format=%B', 'main'), /\[skip ci\]/);
    assert.equal(readFileSync(join(slow, 'certs/www/cert.pem'), 'utf8'), 'renewed');
    assert.equal(git(origin, 'ls-tree', '-r', '--name-only', 'main'), LEDGER_FILE, 'only the ledger is committed');
  });

  it('nothing to commit: no commit', async () => {
    const dir = clone('idle');
    const tip = git(origin, 'rev-parse', 'main');
    const r = await commitBack({ repoDir: dir, branch: 'main', message: 'noop', paths: [LEDGER_FILE], produce: async () => {} });
    assert.equal(r.action, 'unchanged');
    assert.equal(git(origin, 'rev-parse', 'main'), tip);
    assert.ok(readFileSync(join(dir, LEDGER_FILE), 'utf8').length > 0);
  });
});
