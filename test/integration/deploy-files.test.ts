import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { deployCertificates, type DeployOptions } from '../../src/deploy/deploy.js';
import type { TargetSpec } from '../../src/manifest/types.js';
import { ageKeys, FixtureRepo, TestPki, type AgeKeys, type Leaf } from '../helpers/deploy-fixture.js';
import { freePort } from '../helpers/ports.js';
import { findProgram, readyWith } from '../helpers/system.js';

describe('files target: layout, modes, owner, conflicts, preflight, rollback of a first deploy', () => {
  let root = '';
  let keys: AgeKeys;
  let pki: TestPki;
  let api: Leaf, www: Leaf;
  const servers: Server[] = [];

  before(() => {
    if (!findProgram('openssl') || !findProgram('age')) return;
    root = mkdtempSync(join(tmpdir(), 'certops-deploy-files-'));
    pki = new TestPki(join(root, 'pki'));
    keys = ageKeys();
    api = pki.issue(['api.test']);
    www = pki.issue(['www.test']);
  });
  after(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const ready = (t: TestContext) => readyWith(t, [['openssl', 'openssl'], ['age', 'age'], ['age-keygen', 'age']], root);

  /** A repository with api and www, both deployed to target `t`, committed. */
  function repoWith(name: string, target: TargetSpec): FixtureRepo {
    const repo = new FixtureRepo(join(root, name), keys.recipient);
    repo.setManifest([{ name: 'api', dnsNames: ['api.test'], deploy: ['t'] }, { name: 'www', dnsNames: ['www.test'], deploy: ['t'] }], { t: target });
    repo.setCertificate('api', api);
    repo.setCertificate('www', www);
    repo.commit('issue');
    return repo;
  }

  const deploy = (repo: FixtureRepo, options: Partial<DeployOptions> = {}) =>
    deployCertificates({ repoDir: repo.dir, manifest: repo.manifest(), lock: repo.lock(), identity: keys.identity, workDir: join(root, 'work'), now: new Date(), all: true, ...options });

  it('{name} gives each certificate its own files; the combined PEM is leaf, chain, key; modes and owner are applied', async (t) => {
    if (!ready(t)) return;
    const srv = join(root, 'srv-layout');
    const repo = repoWith('layout', { files: { dir: `${srv}/{name}`, names: { combined: '{name}.haproxy.pem' }, certMode: '0640', owner: 'nobody:nogroup' } });
    const result = await deploy(repo);
    assert.deepEqual(result.failed.map((f) => f.message), []);
    assert.deepEqual(result.deployed.map((d) => `${d.certificate}:${d.target}`), ['api:t', 'www:t']);
    const combined = readFileSync(join(srv, 'api', 'api.haproxy.pem'), 'utf8');
    assert.equal(combined, api.leafPem + pki.intermediatePem + api.keyPem);
    assert.equal(readFileSync(join(srv, 'www', 'fullchain.pem'), 'utf8'), www.certificatePem);
    assert.equal(readFileSync(join(srv, 'www', 'chain.pem'), 'utf8'), pki.intermediatePem);
    assert.equal(statSync(join(srv, 'api', 'api.haproxy.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(srv, 'api', 'cert.pem')).mode & 0o777, 0o640);
    if (process.getuid?.() === 0) {
      const nobody = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
      assert.equal(statSync(join(srv, 'api', 'privkey.pem')).uid, nobody);
    } else {
      assert.match(result.deployed[0]!.message, /owner nobody:nogroup not applied: certops is not running as root/);
    }
    const leftovers = readdirSync(join(srv, 'api')).filter((f) => f.includes('.certops-') && f.endsWith('.tmp'));
    assert.deepEqual(leftovers, [], 'no staging file is left behind');
    const again = await deploy(repo);
    assert.deepEqual(again.unchanged.map((u) => u.certificate), ['api', 'www'], 'a rerun sees contents, modes and owner in place');
  });

  it('two certificates that would write the same files both fail before anything is written', async (t) => {
    if (!ready(t)) return;
    const srv = join(root, 'srv-shared');
    const repo = repoWith('shared', { files: { dir: srv } });
    const result = await deploy(repo);
    assert.equal(result.failed.length, 2);
    for (const f of result.failed) assert.match(f.message, /targets\.t is used by (api and www|www and api), and both would write the same files: put \{name\} in its dir or file names/);
    assert.equal(existsSync(srv), false);
  });

  it('a certificate outside its validity at `now` is refused before any target is touched', async (t) => {
    if (!ready(t)) return;
    const srv = join(root, 'srv-expired');
    const repo = repoWith('expired', { files: { dir: `${srv}/{name}` } });
    const result = await deploy(repo, { now: new Date(Date.now() + 400 * 86_400_000) });
    assert.equal(result.failed.length, 2);
    assert.match(result.failed[0]!.message, /prepare FAILED: certs\/api\/cert\.pem: the certificate expired at .*; nothing was changed/);
    assert.equal(existsSync(srv), false);
  });

  it('a first deploy whose verify fails (the server sends no chain) is undone: the new files are removed again', async (t) => {
    if (!ready(t)) return;
    // A server with the right leaf but without its intermediate: what a server pointed at cert.pem instead of fullchain.pem serves.
    const server = createServer({ cert: api.leafPem, key: api.keyPem });
    servers.push(server);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    const srv = join(root, 'srv-chain');
    const repo = repoWith('chain', { files: { dir: `${srv}/{name}` }, verify: { address: `127.0.0.1:${port}`, timeout: '1s' } });
    const result = await deploy(repo, { all: false, only: ['api'] });
    assert.equal(result.failed.length, 1);
    const outcome = result.failed[0]!;
    assert.equal(outcome.status, 'rolled-back', outcome.message);
    assert.match(outcome.message, /verify FAILED: 127\.0\.0\.1:\d+ serves the new certificate, but its chain is incomplete: 0 of the 1 chain certificate deployed are sent \(point the server at the fullchain file\)/);
    assert.match(outcome.message, /rollback ok: removed cert\.pem, chain\.pem, fullchain\.pem, privkey\.pem, which did not exist before/);
    assert.match(outcome.message, /verify-after-rollback skipped: there was no previous certificate/);
    assert.deepEqual(readdirSync(join(srv, 'api')).filter((f) => !f.startsWith('.certops-previous')), []);
    assert.deepEqual(result.rolledBack.map((r) => r.certificate), ['api']);
  });
});
