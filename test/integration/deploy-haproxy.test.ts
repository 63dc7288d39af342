import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { deployCertificates, type DeployOptions } from '../../src/deploy/deploy.js';
import { deployToTarget } from '../../src/deploy/deploy-target.js';
import { DeployMaterial } from '../../src/deploy/material.js';
import { createTarget } from '../../src/deploy/target.js';
import { ageKeys, FixtureRepo, TestPki, type AgeKeys, type Leaf } from '../helpers/deploy-fixture.js';
import { startHaproxy, type Haproxy } from '../helpers/haproxy.js';
import { findProgram, readyWith } from '../helpers/system.js';
import { handshakeLoop, servedLeafSha256 } from '../helpers/tls-client.js';

const SNI = 'lb.test';
const sha256Of = (leaf: Leaf) => new DeployMaterial({ name: 'x', certificatePem: leaf.certificatePem, keyPem: leaf.keyPem }).sha256;

describe('deploy to haproxy 2.6: combined PEM, master-worker reload, verify', () => {
  let root = '';
  let haproxy: Haproxy | undefined;
  let keys: AgeKeys;
  let repo: FixtureRepo;
  let targetDir = '';
  let first: Leaf, renewed: Leaf, third: Leaf;
  let commitFirst = '';
  let commitRenewed = '';

  before(async () => {
    const program = findProgram('haproxy');
    if (!program || !findProgram('openssl') || !findProgram('age') || !findProgram('pkill')) return;
    root = mkdtempSync(join(tmpdir(), 'certops-deploy-haproxy-'));
    const pki = new TestPki(join(root, 'pki'));
    keys = ageKeys();
    [first, renewed, third] = [pki.issue([SNI]), pki.issue([SNI]), pki.issue([SNI])];
    const bootstrap = pki.issue(['bootstrap.test']);
    targetDir = join(root, 'etc', 'haproxy', 'certs');
    mkdirSync(targetDir, { recursive: true });
    writeFileSync(join(targetDir, 'site.pem'), bootstrap.certificatePem + bootstrap.keyPem, { mode: 0o600 });
    haproxy = await startHaproxy({ program, combinedFile: join(targetDir, 'site.pem') });

    repo = new FixtureRepo(join(root, 'repo'), keys.recipient);
    repo.setManifest([{ name: 'lb', dnsNames: [SNI], deploy: ['haproxy'] }], {
      haproxy: { files: { dir: targetDir, names: { combined: 'site.pem' } }, reload: haproxy.reloadCommand, verify: { address: haproxy.address, timeout: '10s' } },
    });
    repo.setCertificate('lb', first);
    commitFirst = repo.commit('issue lb');
    repo.setCertificate('lb', renewed);
    commitRenewed = repo.commit('renew lb');
    repo.git('checkout', '-q', commitFirst);
  });

  after(async () => {
    await haproxy?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const ready = (t: TestContext) => readyWith(t, [['haproxy', 'haproxy'], ['openssl', 'openssl'], ['age', 'age'], ['age-keygen', 'age'], ['pkill', 'procps']], haproxy);

  const deploy = (options: Partial<DeployOptions>) =>
    deployCertificates({ repoDir: repo.dir, manifest: repo.manifest(), lock: repo.lock(), identity: keys.identity, workDir: join(root, 'tmp'), now: new Date(), ...options });

  it('writes the combined PEM (leaf, chain, key; mode 0600), reloads haproxy and verifies', async (t) => {
    if (!ready(t)) return;
    const result = await deploy({ all: true });
    assert.deepEqual(result.failed.map((f) => f.message), []);
    assert.equal(result.deployed.length, 1);
    assert.equal(await servedLeafSha256(haproxy!.port, SNI), sha256Of(first));
    assert.equal(statSync(join(targetDir, 'site.pem')).mode & 0o777, 0o600);
  });

  it('deploys the renewed certificate through a master-worker reload without refusing a handshake', async (t) => {
    if (!ready(t)) return;
    repo.git('checkout', '-q', commitRenewed);
    const loop = handshakeLoop(haproxy!.port, SNI);
    let outcome;
    let counts;
    try {
      outcome = await deploy({ since: commitFirst });
    } finally {
      counts = await loop.stop();
    }
    assert.deepEqual(outcome.failed.map((f) => f.message), []);
    assert.equal(outcome.deployed.length, 1);
    assert.equal(await servedLeafSha256(haproxy!.port, SNI), sha256Of(renewed));
    assert.ok(counts.handshakes > 0);
    assert.equal(counts.failures, 0, counts.errors.join('; '));
  });

  it('a rerun is unchanged', async (t) => {
    if (!ready(t)) return;
    const result = await deploy({ since: commitFirst });
    assert.deepEqual(result.unchanged.map((u) => u.status), ['unchanged']);
    assert.equal(result.deployed.length, 0);
  });

  it('a combined PEM whose key does not match: haproxy keeps its workers, verify sees the previous certificate, rollback restores it', async (t) => {
    if (!ready(t)) return;
    const workDir = mkdtempSync(join(root, 'direct-'));
    const target = await createTarget('haproxy', repo.manifest().targets.haproxy!, { certificate: 'lb', workDir, env: process.env, secret: () => undefined, secrets: [] });
    const broken = new DeployMaterial({ name: 'lb', certificatePem: third.certificatePem, keyPem: first.keyPem, names: { dnsNames: [SNI] } });
    let outcome;
    try {
      outcome = await deployToTarget(target, broken);
    } finally {
      await target.close();
    }
    assert.equal(outcome.status, 'rolled-back', outcome.message);
    // The signal is delivered, so the reload "succeeds"; the failed configuration shows in what is served.
    assert.deepEqual(outcome.steps.map((s) => `${s.step}:${s.status}`), ['inspect:ok', 'deploy:ok', 'reload:ok', 'verify:failed', 'rollback:ok', 'reload-after-rollback:ok', 'verify-after-rollback:ok']);
    assert.match(outcome.message, /verify FAILED: 127\.0\.0\.1:\d+ serves the previous certificate/);
    assert.equal(await servedLeafSha256(haproxy!.port, SNI), sha256Of(renewed));
    assert.match(haproxy!.output(), /inconsistencies between private key and certificate/);
  });
});
