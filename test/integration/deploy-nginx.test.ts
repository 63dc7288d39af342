import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { createServer, type Server } from 'node:tls';
import { deployCertificates, type DeployOptions } from '../../src/deploy/deploy.js';
import { deployToTarget } from '../../src/deploy/deploy-target.js';
import { DeployMaterial } from '../../src/deploy/material.js';
import { createTarget } from '../../src/deploy/target.js';
import type { LifecycleEvent } from '../../src/events/event.js';
import { ageKeys, findKeyCopies, FixtureRepo, keyBody, TestPki, type AgeKeys, type Leaf } from '../helpers/deploy-fixture.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { freePort } from '../helpers/ports.js';
import { findProgram, readyWith } from '../helpers/system.js';
import { handshakeLoop, servedLeafSha256 } from '../helpers/tls-client.js';

const SNI = 'web.test';

function sha256Of(leaf: Leaf): string {
  return new DeployMaterial({ name: 'x', certificatePem: leaf.certificatePem, keyPem: leaf.keyPem }).sha256;
}

describe('deploy to nginx: files target, reload, verify, rollback', () => {
  let root = '';
  let nginx: Nginx | undefined;
  let otherServer: Server | undefined;
  let pki: TestPki;
  let keys: AgeKeys;
  let repo: FixtureRepo;
  let targetDir = '';
  let workDir = '';
  let first: Leaf, renewed: Leaf, third: Leaf, unrelated: Leaf;
  let commitFirst = '';
  let commitRenewed = '';
  const events: LifecycleEvent[] = [];
  const logs: string[] = [];
  const results: unknown[] = [];

  before(async () => {
    const program = findProgram('nginx');
    if (!program || !findProgram('openssl') || !findProgram('age')) return;
    root = mkdtempSync(join(tmpdir(), 'certops-deploy-nginx-'));
    pki = new TestPki(join(root, 'pki'));
    keys = ageKeys();
    [first, renewed, third] = [pki.issue([SNI]), pki.issue([SNI]), pki.issue([SNI])];
    unrelated = pki.issue(['unrelated.test']);
    targetDir = join(root, 'srv', 'certs');
    workDir = join(root, 'runner-temp');
    // nginx needs a certificate to start: an unrelated one, which the first deploy replaces.
    mkdirSync(targetDir, { recursive: true });
    writeFileSync(join(targetDir, 'fullchain.pem'), unrelated.certificatePem);
    writeFileSync(join(targetDir, 'privkey.pem'), unrelated.keyPem, { mode: 0o600 });
    nginx = await startNginx({ program, certificateFile: join(targetDir, 'fullchain.pem'), keyFile: join(targetDir, 'privkey.pem') });

    repo = new FixtureRepo(join(root, 'repo'), keys.recipient);
    repo.setManifest([{ name: 'web', dnsNames: [SNI], deploy: ['edge'] }], {
      edge: { files: { dir: targetDir }, reload: nginx.reloadCommand, verify: { address: nginx.address, timeout: '20s' } },
    });
    repo.setCertificate('web', first);
    commitFirst = repo.commit('issue web');
    repo.setCertificate('web', renewed);
    commitRenewed = repo.commit('renew web');
    repo.git('checkout', '-q', commitFirst);
  });

  after(async () => {
    if (process.env.CERTOPS_TEST_LOG === '1') process.stderr.write(`${logs.join('\n')}\n`);
    await nginx?.stop();
    await new Promise<void>((r) => (otherServer ? otherServer.close(() => r()) : r()));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const ready = (t: TestContext) => readyWith(t, [['nginx', 'nginx'], ['openssl', 'openssl'], ['age', 'age'], ['age-keygen', 'age']], nginx);

  const deploy = async (options: Partial<DeployOptions>) => {
    const result = await deployCertificates({
      repoDir: repo.dir,
      manifest: repo.manifest(),
      lock: repo.lock(),
      identity: keys.identity,
      workDir,
      now: new Date(),
      events: { emit: (e) => void events.push(e) },
      log: (line) => logs.push(line),
      actor: 'tester',
      runUrl: 'https://example.test/run/1',
      commit: repo.git('rev-parse', 'HEAD').trim(),
      ...options,
    });
    results.push(result);
    return result;
  };

  it('a first deploy replaces what nginx served, reloads it and verifies the new leaf and chain', async (t) => {
    if (!ready(t)) return;
    const result = await deploy({ all: true });
    assert.deepEqual(result.failed.map((f) => f.message), []);
    assert.equal(result.deployed.length, 1);
    assert.deepEqual(result.deployed[0]!.steps.map((s) => `${s.step}:${s.status}`), ['prepare:ok', 'inspect:ok', 'deploy:ok', 'reload:ok', 'verify:ok']);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(first));
    assert.equal(statSync(join(targetDir, 'privkey.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(targetDir, 'fullchain.pem')).mode & 0o777, 0o644);
    assert.equal(statSync(join(targetDir, '.certops-previous', 'web')).mode & 0o777, 0o700);
    assert.equal(events.at(-1)!.event_type, 'certificate_deployed');
    assert.equal(events.at(-1)!.deployment_status, 'success');
  });

  it('deploys the renewed certificate: the served fingerprint changes and a client handshaking throughout sees no failure', async (t) => {
    if (!ready(t)) return;
    repo.git('checkout', '-q', commitRenewed);
    const loop = handshakeLoop(nginx!.port, SNI);
    let result;
    let counts;
    try {
      result = await deploy({ since: commitFirst });
    } finally {
      // Stopped whether the deploy resolves or throws, so the loop never outlives the test.
      counts = await loop.stop();
    }
    assert.deepEqual(result.selected, [{ name: 'web', reason: 'lock-changed' }]);
    assert.deepEqual(result.failed.map((f) => f.message), []);
    assert.equal(result.deployed.length, 1);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
    assert.ok(counts.handshakes > 0, 'the client made handshakes during the deploy');
    assert.equal(counts.failures, 0, `handshake failures during the reload: ${counts.errors.join('; ')}`);
    assert.ok(counts.leaves.has(sha256Of(first)), 'the old certificate was served while the deploy ran');
  });

  it('a rerun on the same commit changes nothing and says so', async (t) => {
    if (!ready(t)) return;
    const before = statSync(join(targetDir, 'fullchain.pem')).mtimeMs;
    const eventCount = events.length;
    const result = await deploy({ since: commitFirst });
    assert.equal(result.deployed.length, 0);
    assert.equal(result.unchanged.length, 1);
    assert.equal(result.unchanged[0]!.status, 'unchanged');
    assert.match(result.unchanged[0]!.message, /^unchanged: .*the files are in place and .* serves the new certificate/);
    assert.equal(statSync(join(targetDir, 'fullchain.pem')).mtimeMs, before, 'no file was rewritten');
    assert.equal(events.length, eventCount, 'no event for a no-op');
  });

  it('a certificate whose key does not match fails the reload, is rolled back, and the renewed one is served again', async (t) => {
    if (!ready(t)) return;
    const runDir = mkdtempSync(join(root, 'direct-'));
    const target = await createTarget('edge', repo.manifest().targets.edge!, { certificate: 'web', workDir: runDir, env: process.env, secret: () => undefined, secrets: [] });
    // Built without the preflight check, which would refuse it: this is the server-side safety net.
    const broken = new DeployMaterial({ name: 'web', certificatePem: third.certificatePem, keyPem: first.keyPem, names: { dnsNames: [SNI] } });
    let outcome;
    try {
      outcome = await deployToTarget(target, broken);
    } finally {
      await target.close();
    }
    assert.equal(outcome.status, 'rolled-back', outcome.message);
    assert.deepEqual(outcome.steps.map((s) => `${s.step}:${s.status}`), ['inspect:ok', 'deploy:ok', 'reload:failed', 'rollback:ok', 'reload-after-rollback:ok', 'verify-after-rollback:ok']);
    assert.match(outcome.message, /reload FAILED: .*exited with code 1.*key values mismatch/);
    assert.match(outcome.message, /rollback ok: restored .*privkey\.pem/);
    assert.match(outcome.message, /verify-after-rollback ok: 127\.0\.0\.1:\d+ serves the previous certificate/);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
  });

  it('the same mismatch from the repository is refused before any file changes', async (t) => {
    if (!ready(t)) return;
    repo.setCertificate('web', third, { keyPem: first.keyPem });
    const brokenCommit = repo.commit('broken key');
    const before = statSync(join(targetDir, 'fullchain.pem')).mtimeMs;
    const result = await deploy({ since: commitRenewed });
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0]!.status, 'failed');
    assert.match(result.failed[0]!.message, /prepare FAILED: .*the private key does not belong to the certificate.*nothing was changed/);
    assert.equal(statSync(join(targetDir, 'fullchain.pem')).mtimeMs, before);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
    assert.equal(events.at(-1)!.event_type, 'certificate_deploy_failed');
    repo.git('checkout', '-q', commitRenewed);
    assert.notEqual(brokenCommit, commitRenewed);
  });

  it('a verify address that serves something else fails the deploy, which is rolled back with every step named', async (t) => {
    if (!ready(t)) return;
    otherServer = createServer({ cert: unrelated.certificatePem, key: unrelated.keyPem });
    const otherPort = await freePort();
    await new Promise<void>((r) => otherServer!.listen(otherPort, '127.0.0.1', () => r()));
    repo.setManifest([{ name: 'web', dnsNames: [SNI], deploy: ['edge'] }], {
      edge: { files: { dir: targetDir }, reload: nginx!.reloadCommand, verify: { address: `127.0.0.1:${otherPort}`, timeout: '2s' } },
    });
    repo.setCertificate('web', third);
    repo.commit('renew again, verify at the wrong server');
    const eventCount = events.length;
    const result = await deploy({ since: commitRenewed });
    assert.equal(result.failed.length, 1, JSON.stringify(result.deployed.map((d) => d.message)));
    const outcome = result.failed[0]!;
    assert.deepEqual(outcome.steps.map((s) => `${s.step}:${s.status}`), [
      'prepare:ok', 'inspect:ok', 'deploy:ok', 'reload:ok', 'verify:failed', 'rollback:ok', 'reload-after-rollback:ok', 'verify-after-rollback:failed',
    ]);
    assert.match(outcome.message, /verify FAILED: 127\.0\.0\.1:\d+ serves another certificate .*unrelated\.test.* instead of the new certificate/);
    assert.match(outcome.message, /rollback ok: restored .*privkey\.pem/);
    // nginx itself is back on the renewed certificate: the rollback restored and reloaded it.
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
    const kinds = events.slice(eventCount).map((e) => `${e.event_type}:${e.deployment_status}`);
    assert.deepEqual(kinds, ['certificate_deploy_failed:failure', 'certificate_rolled_back:failure']);
  });

  it('leaves no plaintext key outside the target directory, and none in logs, results or events', async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(readdirSync(workDir), [], 'the run folder under workDir is removed');
    const keysUsed = [first.keyPem, renewed.keyPem, third.keyPem];
    assert.deepEqual(findKeyCopies([workDir, tmpdir()], keysUsed, [targetDir]), []);
    const published = JSON.stringify({ logs, events, results });
    for (const key of keysUsed) {
      for (const line of keyBody(key).split('\n')) assert.ok(!published.includes(line), 'a line of a private key was published');
    }
    assert.ok(!published.includes('AGE-SECRET-KEY'), 'the age identity was published');
  });
});
