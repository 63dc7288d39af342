import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { changedLockEntries, changedTargetUse, isNullRevision, selectChanged } from '../../src/deploy/changes.js';
import { deployCertificates, DeployInputError } from '../../src/deploy/deploy.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { loadLock, serializeLock, type LockEntry, type LockFile } from '../../src/manifest/lock-file.js';
import type { Manifest } from '../../src/manifest/types.js';

/** A lock entry that passes the lock schema; `id` (two hex digits) tells certificates apart. */
function entry(id: string, extra: Partial<LockEntry> = {}): LockEntry {
  return {
    serial: id,
    sha256: id.repeat(32),
    spkiSha256: `${'A'.repeat(43)}=`,
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-04-01T00:00:00.000Z',
    issuer: 'internal',
    issuerDN: 'CN=test',
    certificate: 'certs/x/cert.pem',
    key: 'certs/x/key.pem.age',
    specHash: `sha256:${'0'.repeat(64)}`,
    issuedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

const lock = (certificates: Record<string, LockEntry>): LockFile => ({ version: 1, certificates });

function manifest(targets: string, certificates: string): Manifest {
  const text = `version: 1\ndefaults: { issuer: internal }\nissuers: { internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } } }\ntargets: ${targets}\ncertificates:\n${certificates}`;
  const load = loadManifest(text);
  assert.ok(load.manifest, load.findings.map((f) => f.message).join('; '));
  return load.manifest;
}

describe('which certificates a push changed', () => {
  it('lists new entries and entries that name another certificate or key, sorted', () => {
    const before = lock({ a: entry('a1'), b: entry('b1'), c: entry('c1'), gone: entry('d1') });
    const after = lock({ c: entry('c1', { key: 'certs/c/other.age' }), b: entry('b2'), a: entry('a1'), fresh: entry('e1') });
    assert.deepEqual(changedLockEntries(before, after), ['b', 'c', 'fresh']);
  });

  it('ignores provenance-only changes and removed entries', () => {
    const before = lock({ a: entry('a1'), gone: entry('d1') });
    const after = lock({ a: entry('a1', { issuedBy: 'https://example.test/run/2', issuedAt: '2026-02-01T00:00:00.000Z' }) });
    assert.deepEqual(changedLockEntries(before, after), []);
  });

  it('a changed deploy list or a changed target selects the certificates that use it', () => {
    const certs = '  - { name: a, dnsNames: [a.test], deploy: [edge] }\n  - { name: b, dnsNames: [b.test], deploy: [lb] }\n  - { name: c, dnsNames: [c.test], deploy: [lb] }\n';
    const before = manifest('{ edge: { files: { dir: /srv/a } }, lb: { files: { dir: /srv/lb } } }', certs);
    const moved = manifest('{ edge: { files: { dir: /srv/a } }, lb: { files: { dir: /srv/lb2 } } }', certs);
    assert.deepEqual(changedTargetUse(before, moved), ['b', 'c']);
    const added = manifest('{ edge: { files: { dir: /srv/a } }, lb: { files: { dir: /srv/lb } } }', certs.replace('deploy: [edge]', 'deploy: [edge, lb]'));
    assert.deepEqual(changedTargetUse(before, added), ['a']);
    assert.deepEqual(changedTargetUse(before, before), []);
  });

  it('recognises GitHub\'s all-zero `before` of a new branch', () => {
    assert.equal(isNullRevision('0000000000000000000000000000000000000000'), true);
    assert.equal(isNullRevision('a'.repeat(40)), false);
  });
});

describe('selectChanged reads the lock file at `since` from git', () => {
  let dir = '';
  let first = '';
  let second = '';
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const certs = '  - { name: a, dnsNames: [a.test], deploy: [edge] }\n  - { name: b, dnsNames: [b.test], deploy: [edge] }\n';
  const targets = '{ edge: { files: { dir: "/srv/{name}" } } }';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'certops-deploy-changes-'));
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.com');
    git('config', 'user.name', 't');
    writeFileSync(join(dir, 'certificates.yaml'), `version: 1\ndefaults: { issuer: internal }\nissuers: { internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } } }\ntargets: ${targets}\ncertificates:\n${certs}`);
    git('add', '-A');
    git('commit', '-q', '-m', 'manifest only, no lock yet');
    first = git('rev-parse', 'HEAD');
    writeFileSync(join(dir, 'certificates.lock.yaml'), serializeLock(lock({ a: entry('a1'), b: entry('b1') })));
    git('add', '-A');
    git('commit', '-q', '-m', 'issue a and b');
    second = git('rev-parse', 'HEAD');
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('everything is new against a revision without a lock file', () => {
    const current = loadLock(serializeLock(lock({ a: entry('a1'), b: entry('b1') }))).lock;
    assert.deepEqual(selectChanged(dir, first, current, manifest(targets, certs)), [
      { name: 'a', reason: 'lock-changed' },
      { name: 'b', reason: 'lock-changed' },
    ]);
  });

  it('only the renewed entry against the previous lock file, and nothing against itself', () => {
    const renewed = lock({ a: entry('a1'), b: entry('b2') });
    assert.deepEqual(selectChanged(dir, second, renewed, manifest(targets, certs)), [{ name: 'b', reason: 'lock-changed' }]);
    assert.deepEqual(selectChanged(dir, 'HEAD', lock({ a: entry('a1'), b: entry('b1') }), manifest(targets, certs)), []);
  });

  it('a target change in certificates.yaml selects the certificates on it', () => {
    const moved = manifest('{ edge: { files: { dir: "/srv/new/{name}" } } }', certs);
    assert.deepEqual(selectChanged(dir, second, lock({ a: entry('a1'), b: entry('b1') }), moved), [
      { name: 'a', reason: 'targets-changed' },
      { name: 'b', reason: 'targets-changed' },
    ]);
  });

  it('a revision that is not in the repository is an input error that says how to fetch it', async () => {
    await assert.rejects(
      deployCertificates({ repoDir: dir, manifest: manifest(targets, certs), lock: lock({}), since: 'f'.repeat(40), identity: 'x', workDir: join(dir, 'w'), now: new Date() }),
      (err: Error) => err instanceof DeployInputError && /does not exist .*fetch-depth: 0/.test(err.message),
    );
  });

  it('an unknown name in only is an input error with a suggestion', async () => {
    await assert.rejects(
      deployCertificates({ repoDir: dir, manifest: manifest(targets, certs), lock: lock({}), only: ['aa'], identity: 'x', workDir: join(dir, 'w'), now: new Date() }),
      /certificate "aa" is not in certificates\.yaml; did you mean "a"\?/,
    );
  });

  it('nothing changed: nothing is deployed, and the log says why', async () => {
    const lines: string[] = [];
    const result = await deployCertificates({
      repoDir: dir, manifest: manifest(targets, certs), lock: lock({ a: entry('a1'), b: entry('b1') }), since: second, identity: 'x', workDir: join(dir, 'w'), now: new Date(), log: (l) => lines.push(l),
    });
    assert.deepEqual(result.selected, []);
    assert.equal(result.ok, true);
    assert.match(lines.join('\n'), /no certificate changed since /);
  });
});
