import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createSafeReader } from '../../src/repo/safe-read.js';

describe('createSafeReader reads only regular files inside the repository', () => {
  let base: string;
  let root: string;
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'certops-safe-read-'));
    root = join(base, 'repo');
    mkdirSync(join(root, 'certs/web'), { recursive: true });
    writeFileSync(join(root, 'certs/web/cert.pem'), 'inside');
    writeFileSync(join(base, 'secret.txt'), 'outside');
    mkdirSync(join(base, 'elsewhere'));
    writeFileSync(join(base, 'elsewhere/cert.pem'), 'outside');
    symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));
    symlinkSync(join(base, 'elsewhere'), join(root, 'certs/linked'));
    symlinkSync('/dev/zero', join(root, 'zero'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('reads a file by a relative path, normalised', () => {
    const r = createSafeReader({ fs, path, root });
    for (const p of ['certs/web/cert.pem', './certs/web/cert.pem', 'certs//web/cert.pem', 'certs/x/../web/cert.pem']) assert.equal(r.read(p)?.toString(), 'inside', p);
  });
  it('refuses paths out of the repository', () => {
    const r = createSafeReader({ fs, path, root });
    for (const p of ['../secret.txt', 'certs/../../secret.txt', join(base, 'secret.txt'), '', '.', 'certs/']) {
      assert.equal(r.read(p), undefined, p);
    }
  });
  it('refuses symbolic links, to a file or on the way, and what is not a regular file (a device, a FIFO) without blocking', () => {
    const r = createSafeReader({ fs, path, root });
    for (const p of ['link.txt', 'certs/linked/cert.pem', 'zero', 'fifo', 'certs']) {
      assert.equal(r.read(p), undefined, p);
    }
  });
  it('a directory made after a miss is found', () => {
    const r = createSafeReader({ fs, path, root });
    assert.equal(r.read('later/cert.pem'), undefined);
    mkdirSync(join(root, 'later'));
    writeFileSync(join(root, 'later/cert.pem'), 'new');
    assert.equal(r.read('later/cert.pem')?.toString(), 'new');
  });
});
