import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { catFiles, readDirAtRevision } from '../../src/repo/git-revision.js';

describe('readDirAtRevision', () => {
  let dir: string;
  let first: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'certops-git-revision-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 'test');
    mkdirSync(join(dir, 'policies/teams'), { recursive: true });
    writeFileSync(join(dir, 'policies/baseline.yaml'), 'rules: {}\n');
    writeFileSync(join(dir, 'policies/teams/payments team.yaml'), '# équipe\nrules: { owners-required: { severity: error } }\n');
    writeFileSync(join(dir, 'policies/empty.yaml'), '');
    writeFileSync(join(dir, 'policies/binary.bin'), Buffer.from([0, 1, 2, 10, 10, 255]));
    writeFileSync(join(dir, 'README.md'), 'not a policy\n');
    git('add', '-A');
    git('commit', '-qm', 'one');
    first = git('rev-parse', 'HEAD');
    writeFileSync(join(dir, 'policies/baseline.yaml'), 'rules: { changed: true }\n');
    git('commit', '-qam', 'two');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every file under the folder at the revision, with its content, and nothing else', () => {
    const files = readDirAtRevision(dir, first, 'policies');
    assert.deepEqual([...files.keys()].sort(), ['policies/baseline.yaml', 'policies/binary.bin', 'policies/empty.yaml', 'policies/teams/payments team.yaml']);
    assert.equal(files.get('policies/baseline.yaml'), 'rules: {}\n');
    assert.equal(files.get('policies/teams/payments team.yaml'), '# équipe\nrules: { owners-required: { severity: error } }\n');
    assert.equal(files.get('policies/empty.yaml'), '');
    assert.equal(files.get('policies/binary.bin'), Buffer.from([0, 1, 2, 10, 10, 255]).toString('utf8'));
    assert.equal(readDirAtRevision(dir, 'main', 'policies').get('policies/baseline.yaml'), 'rules: { changed: true }\n');
    assert.deepEqual([...readDirAtRevision(dir, first, 'nothing-here').keys()], []);
  });

  it('a revision that does not exist is a clear error', () => {
    assert.throws(() => readDirAtRevision(dir, 'no-such-branch', 'policies'), /git revision "no-such-branch" does not exist in .*; fetch it first/);
  });

  it('catFiles reads many objects by rev:path in one go, undefined for what is not there', () => {
    const [a, missing, b] = catFiles(dir, [`${first}:policies/baseline.yaml`, `${first}:policies/none.yaml`, 'main:policies/teams/payments team.yaml']);
    assert.equal(a?.toString(), 'rules: {}\n');
    assert.equal(missing, undefined);
    assert.equal(b?.toString(), '# équipe\nrules: { owners-required: { severity: error } }\n');
  });
});
