import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { appendRepoFile, assertWritable, confinedPath, readRepoFile, readRepoFileIfPresent, removeRepoFile, repoFileExists, textSlices, writeRepoFile } from '../../src/repo/confined-io.js';

describe('confined-io: repository files are written, read and removed without leaving the repository', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'certops-confined-'));
    root = join(base, 'repo');
    outside = join(base, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    writeFileSync(join(outside, 'cert.pem'), 'outside');
    symlinkSync(outside, join(root, 'linked'));
    symlinkSync(join(outside, 'cert.pem'), join(root, 'link.pem'));
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('writes a file, creating its directories, and leaves no temporary file behind', () => {
    writeRepoFile(root, 'certs/web/cert.pem', 'one');
    writeRepoFile(root, './certs//web/cert.pem', 'two');
    assert.equal(readFileSync(join(root, 'certs/web/cert.pem'), 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(root, 'certs/web')), ['cert.pem']);
  });

  it('applies the mode to a new file', () => {
    writeRepoFile(root, 'pki/ca.key.age', 'secret', { mode: 0o600 });
    assert.equal(statSync(join(root, 'pki/ca.key.age')).mode & 0o777, 0o600);
  });

  it('refuses paths out of the repository, naming the field', () => {
    for (const p of ['../x', 'certs/../../x', '/etc/x', '', '.', 'certs/']) {
      assert.throws(() => writeRepoFile(root, p, 'x', { field: 'issuers.ca.certificate' }), /issuers\.ca\.certificate: .*(outside the repository|absolute)/, p);
    }
    assert.deepEqual(readdirSync(base).sort(), ['outside', 'repo']);
  });

  it('does not write through a symbolic link on the way, and says which directory it is', () => {
    assert.throws(() => writeRepoFile(root, 'linked/cert.pem', 'planted'), /linked is a symbolic link/);
    assert.throws(() => writeRepoFile(root, 'linked/new/cert.pem', 'planted'), /linked is a symbolic link/);
    assert.throws(() => assertWritable(root, 'linked/cert.pem'), /linked is a symbolic link/);
    assert.equal(readFileSync(join(outside, 'cert.pem'), 'utf8'), 'outside');
    assert.ok(!existsSync(join(outside, 'new')));
  });

  it('replaces a symbolic link at the file itself instead of writing where it points', () => {
    writeRepoFile(root, 'link.pem', 'mine');
    assert.ok(lstatSync(join(root, 'link.pem')).isFile());
    assert.equal(readFileSync(join(root, 'link.pem'), 'utf8'), 'mine');
    assert.equal(readFileSync(join(outside, 'cert.pem'), 'utf8'), 'outside');
  });

  it('refuses a file on the way and a directory at the path', () => {
    writeFileSync(join(root, 'plain'), 'x');
    mkdirSync(join(root, 'dir'));
    assert.throws(() => writeRepoFile(root, 'plain/cert.pem', 'x'), /plain is not a directory/);
    assert.throws(() => writeRepoFile(root, 'dir', 'x'), /dir is a directory/);
    assert.throws(() => assertWritable(root, 'dir'), /dir is a directory/);
    assert.doesNotThrow(() => assertWritable(root, 'not/yet/there.pem'));
  });

  it('exclusive writes never replace a file', () => {
    writeRepoFile(root, 'pki/ca.pem', 'first', { exclusive: true });
    assert.throws(() => writeRepoFile(root, 'pki/ca.pem', 'second', { exclusive: true, field: 'certificate' }), /certificate: pki\/ca\.pem exists already/);
    assert.equal(readFileSync(join(root, 'pki/ca.pem'), 'utf8'), 'first');
    assert.deepEqual(readdirSync(join(root, 'pki')), ['ca.pem']);
  });

  it('writes text of several megabytes intact, a surrogate pair across the slice boundary included', () => {
    const text = `${'a'.repeat((1 << 20) - 1)}😀${'b'.repeat(1 << 20)}`;
    assert.ok([...textSlices(text)].length > 1);
    writeRepoFile(root, 'reports/big.txt', text);
    assert.equal(readFileSync(join(root, 'reports/big.txt'), 'utf8'), text);
  });

  it('reads regular files only, with a message for each refusal', () => {
    writeRepoFile(root, 'certs/web/cert.pem', 'inside');
    execFileSync('mkfifo', [join(root, 'fifo')]);
    assert.equal(readRepoFile(root, 'certs/web/cert.pem').toString(), 'inside');
    assert.throws(() => readRepoFile(root, 'certs/none.pem', 'caCertificate'), /caCertificate: certs\/none\.pem does not exist in the repository/);
    assert.throws(() => readRepoFile(root, 'link.pem'), /link\.pem is a symbolic link/);
    assert.throws(() => readRepoFile(root, 'linked/cert.pem'), /linked is a symbolic link/);
    assert.throws(() => readRepoFile(root, 'fifo'), /fifo is not a regular file/);
    assert.throws(() => readRepoFile(root, '../outside/cert.pem'), /outside the repository/);
    assert.equal(readRepoFileIfPresent(root, 'missing/dir/x'), undefined);
    assert.equal(repoFileExists(root, 'link.pem'), true);
    assert.equal(repoFileExists(root, 'certs/none.pem'), false);
  });

  it('appends to a file, creating it, but never through a link', () => {
    appendRepoFile(root, 'reports/audit.jsonl', 'one\n');
    appendRepoFile(root, 'reports/audit.jsonl', 'two\n');
    assert.equal(readFileSync(join(root, 'reports/audit.jsonl'), 'utf8'), 'one\ntwo\n');
    assert.throws(() => appendRepoFile(root, 'link.pem', 'planted'), /link\.pem is a symbolic link/);
    assert.throws(() => appendRepoFile(root, 'linked/audit.jsonl', 'planted'), /linked is a symbolic link/);
    assert.equal(readFileSync(join(outside, 'cert.pem'), 'utf8'), 'outside');
  });

  it('removes a link itself, not its target, and nothing through a link on the way', () => {
    assert.equal(removeRepoFile(root, 'link.pem'), true);
    assert.ok(existsSync(join(outside, 'cert.pem')));
    assert.throws(() => removeRepoFile(root, 'linked/cert.pem'), /linked is a symbolic link/);
    assert.ok(existsSync(join(outside, 'cert.pem')));
    assert.equal(removeRepoFile(root, 'gone/cert.pem'), false);
  });

  it('never touches .git, in any case, and reads backslashes as separators', () => {
    mkdirSync(join(root, '.git'));
    writeFileSync(join(root, '.git/config'), 'credentials');
    for (const p of ['.git/config', '.GIT/config', 'x/../.git/config', '.git']) {
      assert.throws(() => removeRepoFile(root, p), /inside \.git/, p);
      assert.throws(() => writeRepoFile(root, p, 'x'), /inside \.git/, p);
    }
    assert.equal(readFileSync(join(root, '.git/config'), 'utf8'), 'credentials');
    assert.equal(confinedPath('.github/workflows/x.yml'), '.github/workflows/x.yml');
    assert.equal(confinedPath('certs\\web\\cert.pem'), 'certs/web/cert.pem');
    assert.throws(() => confinedPath('..\\x'), /outside the repository/);
  });

  it('a replaced file keeps its permissions unless a mode is given', () => {
    writeRepoFile(root, 'certs/web/key.pem.age', 'one', { mode: 0o600 });
    writeRepoFile(root, 'certs/web/key.pem.age', 'two');
    assert.equal(statSync(join(root, 'certs/web/key.pem.age')).mode & 0o777, 0o600);
    writeRepoFile(root, 'certs/web/key.pem.age', 'three', { mode: 0o640 });
    assert.equal(statSync(join(root, 'certs/web/key.pem.age')).mode & 0o777, 0o640);
  });

  it('a link to a directory at the path is replaced or removed itself; a dangling link is not clobbered by an exclusive write', () => {
    writeRepoFile(root, 'linked', 'file now');
    assert.ok(lstatSync(join(root, 'linked')).isFile());
    assert.deepEqual(readdirSync(outside), ['cert.pem']);
    symlinkSync(join(base, 'nowhere'), join(root, 'dangling'));
    assert.throws(() => writeRepoFile(root, 'dangling', 'x', { exclusive: true }), /dangling exists already/);
    assert.ok(!existsSync(join(base, 'nowhere')));
    symlinkSync(outside, join(root, 'dirlink'));
    assert.equal(removeRepoFile(root, 'dirlink', { recursive: true }), true);
    assert.deepEqual(readdirSync(outside), ['cert.pem']);
  });

  it('leaves no temporary file behind when the rename is refused', () => {
    mkdirSync(join(root, 'reports/expiry.json'), { recursive: true });
    assert.throws(() => writeRepoFile(root, 'reports/expiry.json', '{}'), /reports\/expiry\.json is a directory/);
    assert.deepEqual(readdirSync(join(root, 'reports')), ['expiry.json']);
  });

  it('removes a directory only when asked, without following the links it holds', () => {
    mkdirSync(join(root, 'reports'));
    symlinkSync(outside, join(root, 'reports/out'));
    assert.throws(() => removeRepoFile(root, 'reports'), /reports is a directory/);
    assert.equal(removeRepoFile(root, 'reports', { recursive: true }), true);
    assert.ok(!existsSync(join(root, 'reports')));
    assert.deepEqual(readdirSync(outside), ['cert.pem']);
  });

  it('with linkIsMissing, a link at a file certops owns reads as none', () => {
    assert.equal(readRepoFileIfPresent(root, 'link.pem', { field: 'cursor', linkIsMissing: true }), undefined);
    assert.throws(() => readRepoFileIfPresent(root, 'link.pem', { field: 'cursor' }), /cursor: link\.pem is a symbolic link/);
    assert.throws(() => readRepoFileIfPresent(root, 'linked/x', { field: 'cursor', linkIsMissing: true }), /linked is a symbolic link/);
  });
});
