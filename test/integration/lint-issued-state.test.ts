import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { lockEntryFor } from '../../src/manifest/lock-entry.js';
import { serializeLock, type LockEntry } from '../../src/manifest/lock-file.js';
import { byRule, lintFixture, manifestWith } from '../helpers/lint-fixture.js';
import { findProgram, readyWith } from '../helpers/system.js';

/** A CA and a leaf for web (a.example.com, ECDSA P-256) made by openssl, plus an age-encrypted key. */
interface Material {
  caPem: string;
  otherCaPem: string;
  leafPem: string;
  keyAge: Buffer;
  entry: LockEntry;
}

const manifest = manifestWith('    dnsNames: [a.example.com]');
const policy = { 'p.yaml': 'version: 1\nrules:\n  issued-state: { severity: error }\n' };

describe('issued-state checks the lock against the files (openssl-made certificates)', () => {
  let dir: string;
  let m: Material | undefined;
  before(() => {
    if (!findProgram('openssl') || !findProgram('age-keygen')) return;
    dir = mkdtempSync(join(tmpdir(), 'certops-issued-'));
    const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const ca of ['ca', 'other']) {
      run('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-subj', `/CN=${ca} CA`, '-days', '3650');
    }
    run('openssl', 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=a.example.com');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:a.example.com\nbasicConstraints=critical,CA:FALSE\n');
    run('openssl', 'x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '90', '-extfile', 'ext.cnf');
    run('age-keygen', '-o', 'id.txt');
    const recipient = /public key: (age1\w+)/.exec(readFileSync(join(dir, 'id.txt'), 'utf8'))![1]!;
    run('age', '-r', recipient, '-o', 'leaf.key.age', 'leaf.key');
    const leafPem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
    const spec = loadManifest(manifest).manifest!.certificates[0]!;
    m = {
      caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      otherCaPem: readFileSync(join(dir, 'other.pem'), 'utf8'),
      leafPem,
      keyAge: readFileSync(join(dir, 'leaf.key.age')),
      entry: lockEntryFor({ spec, certificatePem: leafPem, certificatePath: 'certs/web/cert.pem', keyPath: 'certs/web/key.pem.age', issuedAt: new Date() }),
    };
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const lint = (t: TestContext, change: { entry?: Partial<LockEntry>; files?: Record<string, string | Buffer | undefined>; now?: string; manifest?: string } = {}) => {
    if (!readyWith(t, [['openssl', 'openssl'], ['age', 'age'], ['age-keygen', 'age']], m) || !m) return undefined;
    const files: Record<string, string | Buffer> = {};
    const all: Record<string, string | Buffer | undefined> = {
      'pki/ca.pem': m.caPem,
      'certs/web/cert.pem': m.leafPem,
      'certs/web/key.pem.age': m.keyAge,
      'certificates.lock.yaml': serializeLock({ version: 1, certificates: { web: { ...m.entry, ...change.entry } } }),
      ...change.files,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) files[k] = v;
    const r = lintFixture({ manifest: change.manifest ?? manifest, policies: policy, files, now: change.now ?? new Date().toISOString() });
    return byRule(r.findings, 'issued-state');
  };

  it('a consistent repository has no finding', (t) => {
    const f = lint(t);
    if (f) assert.deepEqual(f.map((x) => x.message), []);
  });
  it('a serial that differs from the file is an error on the lock line', (t) => {
    const f = lint(t, { entry: { serial: 'abcdef' } });
    if (!f) return;
    assert.equal(f.length, 1);
    assert.equal(f[0]!.file, 'certificates.lock.yaml');
    assert.equal(f[0]!.line, 5);
    assert.match(f[0]!.message, /serial of certs\/web\/cert.pem is .* but the lock file says abcdef/);
  });
  it('a missing certificate file and a plaintext key file are errors', (t) => {
    const f = lint(t, { files: { 'certs/web/cert.pem': undefined, 'certs/web/key.pem.age': 'not age' } });
    if (!f) return;
    assert.deepEqual(f.map((x) => x.severity), ['error', 'error']);
    assert.match(f[0]!.message, /cert\.pem is missing/);
    assert.match(f[1]!.message, /not an age-encrypted file/);
  });
  it('a lock path out of the repository is an error on its line, nothing there is read, and the other checks still run', (t) => {
    const both = lint(t, { entry: { certificate: '../../../etc/hostname', key: '/etc/passwd' } });
    if (!both) return;
    assert.deepEqual(
      both.map((x) => [x.file, x.message.replace(/ Reissue.*/, '')]),
      [
        ['certificates.lock.yaml', 'The lock file names ../../../etc/hostname as the certificate file of web, outside the repository: certops reads nothing there.'],
        ['certificates.lock.yaml', 'The lock file names /etc/passwd as the key file of web, outside the repository: certops reads nothing there.'],
      ],
    );
    const keyOnly = lint(t, { entry: { key: '../web.key.age' }, now: '2099-01-01T00:00:00Z' });
    assert.ok(keyOnly);
    assert.match(keyOnly.map((x) => x.message).join('\n'), /names \.\.\/web\.key\.age as the key file of web, outside the repository/);
    assert.match(keyOnly.map((x) => x.message).join('\n'), /expired on/);
  });
  it('an unparsable PEM is an error, not a crash', (t) => {
    const f = lint(t, { files: { 'certs/web/cert.pem': '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' } });
    if (f) assert.match(f[0]!.message, /does not parse as a certificate/);
  });
  it('a chain that does not verify to the issuer CA is an error', (t) => {
    const f = lint(t, { files: { 'pki/ca.pem': m?.otherCaPem } });
    if (f) assert.match(f.map((x) => x.message).join('\n'), /does not verify to pki\/ca.pem: certificate 1 .* is not signed by/);
  });
  it('an expired certificate is an error (held clock)', (t) => {
    const f = lint(t, { now: '2099-01-01T00:00:00Z' });
    if (f) assert.match(f.map((x) => x.message).join('\n'), /expired on/);
  });
  it('a spec change is a notice that the next renewal reissues', (t) => {
    const f = lint(t, { manifest: manifestWith('    dnsNames: [a.example.com, b.example.com]') });
    if (!f) return;
    assert.deepEqual(f.map((x) => x.severity), ['notice', 'notice']);
    assert.match(f.map((x) => x.message).join('\n'), /spec of web changed/);
  });
});
