import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { deployCertificates, type DeployOptions } from '../../src/deploy/deploy.js';
import { deployToTarget } from '../../src/deploy/deploy-target.js';
import { DeployMaterial } from '../../src/deploy/material.js';
import { createTarget, type TargetContext } from '../../src/deploy/target.js';
import type { TargetSpec } from '../../src/manifest/types.js';
import { ageKeys, findKeyCopies, FixtureRepo, TestPki, type AgeKeys, type Leaf } from '../helpers/deploy-fixture.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { startSshd, strayHostKey, type Sshd } from '../helpers/sshd.js';
import { findProgram, readyWith } from '../helpers/system.js';
import { servedLeafSha256 } from '../helpers/tls-client.js';

const SNI = 'remote.test';
const sha256Of = (leaf: Leaf) => new DeployMaterial({ name: 'x', certificatePem: leaf.certificatePem, keyPem: leaf.keyPem }).sha256;

/**
 * The "remote" host is this machine through a local sshd: the files land in a folder that a
 * local nginx serves from, and the reload that runs over ssh reloads that nginx, so the test
 * sees the whole path: copy, reload on the host, verify what is served.
 */
describe('deploy over ssh with a pinned host key (local sshd, nginx behind it)', () => {
  let root = '';
  let sshd: Sshd | undefined;
  let nginx: Nginx | undefined;
  let keys: AgeKeys;
  let repo: FixtureRepo;
  let remoteDir = '';
  let workDir = '';
  let first: Leaf, renewed: Leaf, third: Leaf;
  let commitFirst = '';
  let commitRenewed = '';
  const secrets: Record<string, string> = {};

  const target = (overrides: Partial<NonNullable<TargetSpec['ssh']>> = {}): TargetSpec => ({
    ssh: { host: '127.0.0.1', port: sshd!.port, user: sshd!.user, dir: remoteDir, knownHosts: 'PINNED_HOST_KEY', identitySecret: 'DEPLOY_SSH_KEY', ...overrides },
    reload: nginx!.reloadCommand,
    verify: { address: nginx!.address, timeout: '10s' },
  });

  before(async () => {
    const [sshdProgram, nginxProgram] = [findProgram('/usr/sbin/sshd'), findProgram('nginx')];
    if (!sshdProgram || !nginxProgram || !findProgram('ssh') || !findProgram('ssh-keygen') || !findProgram('age') || !findProgram('openssl')) return;
    root = mkdtempSync(join(tmpdir(), 'certops-deploy-ssh-'));
    const pki = new TestPki(join(root, 'pki'));
    keys = ageKeys();
    [first, renewed, third] = [pki.issue([SNI]), pki.issue([SNI]), pki.issue([SNI])];
    const bootstrap = pki.issue(['bootstrap.test']);
    remoteDir = join(root, 'remote', 'certs');
    workDir = join(root, 'runner-temp');
    mkdirSync(remoteDir, { recursive: true });
    writeFileSync(join(remoteDir, 'fullchain.pem'), bootstrap.certificatePem);
    writeFileSync(join(remoteDir, 'privkey.pem'), bootstrap.keyPem, { mode: 0o600 });
    sshd = await startSshd(sshdProgram);
    nginx = await startNginx({ program: nginxProgram, certificateFile: join(remoteDir, 'fullchain.pem'), keyFile: join(remoteDir, 'privkey.pem') });
    // Pinned as a bare key line: certops adds the [host]:port pattern ssh looks up.
    secrets.PINNED_HOST_KEY = sshd.hostKey;
    secrets.DEPLOY_SSH_KEY = sshd.clientKey;

    repo = new FixtureRepo(join(root, 'repo'), keys.recipient);
    repo.setManifest([{ name: 'remote', dnsNames: [SNI], deploy: ['box'] }], { box: target() });
    repo.setCertificate('remote', first);
    commitFirst = repo.commit('issue');
    repo.setCertificate('remote', renewed);
    commitRenewed = repo.commit('renew');
    repo.git('checkout', '-q', commitFirst);
  });

  after(async () => {
    await nginx?.stop();
    await sshd?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const ready = (t: TestContext) =>
    readyWith(t, [['/usr/sbin/sshd', 'openssh-server'], ['ssh', 'openssh-client'], ['ssh-keygen', 'openssh-client'], ['nginx', 'nginx'], ['age', 'age'], ['age-keygen', 'age'], ['openssl', 'openssl']], sshd && nginx);

  const deploy = (options: Partial<DeployOptions>) =>
    deployCertificates({
      repoDir: repo.dir,
      manifest: repo.manifest(),
      lock: repo.lock(),
      identity: keys.identity,
      workDir,
      now: new Date(),
      secret: (name) => secrets[name],
      ...options,
    });

  it('copies the files to host:dir, runs the reload there, and the served certificate is the new one', async (t) => {
    if (!ready(t)) return;
    const result = await deploy({ all: true });
    assert.deepEqual(result.failed.map((f) => f.message), [], await sshd!.log());
    assert.equal(result.deployed.length, 1);
    assert.match(result.deployed[0]!.message, /deploy ok: wrote cert\.pem, chain\.pem, fullchain\.pem, privkey\.pem to .*@127\.0\.0\.1:\d+:/);
    assert.match(result.deployed[0]!.message, /reload ok: .* succeeded on the host/);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(first));
    assert.equal(statSync(join(remoteDir, 'privkey.pem')).mode & 0o777, 0o600);
    assert.equal(statSync(join(remoteDir, 'fullchain.pem')).mode & 0o777, 0o644);
    assert.equal(statSync(join(remoteDir, '.certops-previous', 'remote')).mode & 0o777, 0o700);
    assert.match(await sshd!.log(), /Accepted publickey/);
  });

  it('deploys the renewed certificate, and a rerun reads the host\'s files and changes nothing', async (t) => {
    if (!ready(t)) return;
    repo.git('checkout', '-q', commitRenewed);
    const result = await deploy({ since: commitFirst });
    assert.deepEqual(result.failed.map((f) => f.message), []);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
    const rerun = await deploy({ since: commitFirst });
    assert.deepEqual(rerun.unchanged.map((u) => u.status), ['unchanged']);
    assert.match(rerun.unchanged[0]!.message, /the files are in place/);
  });

  it('a failed reload on the host is rolled back over ssh and the renewed certificate is served again', async (t) => {
    if (!ready(t)) return;
    const context: TargetContext = { certificate: 'remote', workDir: mkdtempSync(join(root, 'direct-')), env: process.env, secret: (n) => secrets[n], secrets: [] };
    const box = await createTarget('box', target(), context);
    const broken = new DeployMaterial({ name: 'remote', certificatePem: third.certificatePem, keyPem: first.keyPem, names: { dnsNames: [SNI] } });
    let outcome;
    try {
      outcome = await deployToTarget(box, broken);
    } finally {
      await box.close();
    }
    assert.equal(outcome.status, 'rolled-back', outcome.message);
    assert.deepEqual(outcome.steps.map((s) => `${s.step}:${s.status}`), ['inspect:ok', 'deploy:ok', 'reload:failed', 'rollback:ok', 'reload-after-rollback:ok', 'verify-after-rollback:ok']);
    assert.match(outcome.message, /reload FAILED: reload .* on .*127\.0\.0\.1:\d+ exited with code 1/);
    assert.match(outcome.message, /rollback ok: restored cert\.pem, restored chain\.pem, restored fullchain\.pem, restored privkey\.pem on /);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
    assert.deepEqual(readdirSync(context.workDir), [], 'the identity and known_hosts files are removed');
  });

  it('refuses a host whose key is not the pinned one, and says so; nothing changes', async (t) => {
    if (!ready(t)) return;
    secrets.WRONG_HOST_KEY = await strayHostKey(root);
    repo.setManifest([{ name: 'remote', dnsNames: [SNI], deploy: ['box'] }], { box: target({ knownHosts: 'WRONG_HOST_KEY' }) });
    repo.setCertificate('remote', third);
    repo.commit('renew, with the wrong pin');
    const before = statSync(join(remoteDir, 'fullchain.pem')).mtimeMs;
    const result = await deploy({ since: commitRenewed });
    assert.equal(result.failed.length, 1);
    const outcome = result.failed[0]!;
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.message, /inspect FAILED: ssh refused .*127\.0\.0\.1:\d+: the key it presents is not the one pinned in knownHosts .*Host key verification failed.*never trusts a host key on first use.*nothing was changed/);
    assert.equal(statSync(join(remoteDir, 'fullchain.pem')).mtimeMs, before);
    assert.equal(await servedLeafSha256(nginx!.port, SNI), sha256Of(renewed));
  });

  it('a target without knownHosts is refused before connecting: no trust on first use', async (t) => {
    if (!ready(t)) return;
    const spec = target();
    delete spec.ssh!.knownHosts;
    await assert.rejects(
      createTarget('box', spec, { certificate: 'remote', workDir: mkdtempSync(join(root, 'direct-')), env: process.env, secret: (n) => secrets[n], secrets: [] }),
      /targets\.box: ssh\.knownHosts is not set: pin the host key .*never trusts a host key on first use/,
    );
  });

  it('leaves no key outside the host\'s directory (identity and keys are gone from workDir)', async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(readdirSync(workDir), []);
    assert.deepEqual(findKeyCopies([workDir, tmpdir()], [first.keyPem, renewed.keyPem, third.keyPem], [remoteDir]), []);
  });
});
