import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { deployCertificates, type DeployOptions } from '../../src/deploy/deploy.js';
import { DeployMaterial } from '../../src/deploy/material.js';
import type { TargetSpec } from '../../src/manifest/types.js';
import { ageKeys, findKeyCopies, FixtureRepo, keyBody, TestPki, type AgeKeys, type Leaf } from '../helpers/deploy-fixture.js';
import { findProgram, readyWith } from '../helpers/system.js';
import { waitFor } from '../helpers/wait.js';

// What the user's command does: append one JSON line per run with what it was given, then
// fail when asked to for this serial (printing the key it got to stderr, as a careless script
// might), or hang with a child process when asked to.
const REPORTER = `
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
const [out, mode, arg, ...rest] = process.argv.slice(2);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CERTOPS_') || k.startsWith('INPUT_') || k === 'HOLDS_IDENTITY'));
const stat = (p) => (statSync(p).mode & 0o777).toString(8);
appendFileSync(out, JSON.stringify({ env, argv: rest, keyMode: stat(env.CERTOPS_KEY_PATH), certMode: stat(env.CERTOPS_CERT_PATH),
  keyIsKey: readFileSync(env.CERTOPS_KEY_PATH, 'utf8').includes('PRIVATE KEY'),
  fullchainCerts: readFileSync(env.CERTOPS_FULLCHAIN_PATH, 'utf8').split('BEGIN CERTIFICATE').length - 1 }) + '\\n');
if (mode === 'fail-serial' && env.CERTOPS_SERIAL === arg) {
  process.stderr.write('upload refused; the key was:\\n' + readFileSync(env.CERTOPS_KEY_PATH, 'utf8'));
  process.exit(3);
}
if (mode === 'hang') {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  writeFileSync(arg, String(child.pid));
  setInterval(() => {}, 1000);
}
`;

interface Run {
  env: Record<string, string>;
  argv: string[];
  keyMode: string;
  certMode: string;
  keyIsKey: boolean;
  fullchainCerts: number;
}

describe('deploy through a command target', () => {
  let root = '';
  let keys: AgeKeys;
  let repo: FixtureRepo;
  let script = '';
  let workDir = '';
  let first: Leaf, renewed: Leaf;
  let commitFirst = '';

  before(() => {
    if (!findProgram('openssl') || !findProgram('age')) return;
    root = mkdtempSync(join(tmpdir(), 'certops-deploy-command-'));
    const pki = new TestPki(join(root, 'pki'));
    keys = ageKeys();
    [first, renewed] = [pki.issue(['cmd.test']), pki.issue(['cmd.test'])];
    script = join(root, 'reporter.mjs');
    writeFileSync(script, REPORTER);
    workDir = join(root, 'runner-temp');
    repo = new FixtureRepo(join(root, 'repo'), keys.recipient);
    repo.setManifest([{ name: 'api', dnsNames: ['cmd.test'], deploy: ['upload'] }], { upload: command(join(root, 'unused.jsonl')) });
    repo.setCertificate('api', first);
    commitFirst = repo.commit('issue');
    repo.setCertificate('api', renewed);
    repo.commit('renew');
  });

  after(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const ready = (t: TestContext) => readyWith(t, [['openssl', 'openssl'], ['age', 'age'], ['age-keygen', 'age']], root);

  function command(out: string, ...args: string[]): TargetSpec {
    return { command: { run: [process.execPath, script, out, ...args], timeout: '20s' } };
  }

  const runs = (file: string): Run[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Run) : []);

  const deploy = (target: TargetSpec, options: Partial<DeployOptions>) => {
    repo.setManifest([{ name: 'api', dnsNames: ['cmd.test'], deploy: ['upload'] }], { upload: target });
    return deployCertificates({ repoDir: repo.dir, manifest: repo.manifest(), lock: repo.lock(), identity: keys.identity, workDir, now: new Date(), ...options });
  };

  it('passes the certificate in CERTOPS_* variables and 0600 files, never through the command line, and removes the files', async (t) => {
    if (!ready(t)) return;
    const out = join(root, 'env.jsonl');
    const literal = ['$CERTOPS_NAME', '; rm -rf /tmp/x', '`id`'];
    const result = await deploy(command(out, 'none', '-', ...literal), {
      only: ['api'],
      env: { ...process.env, INPUT_IDENTITY: keys.identity, HOLDS_IDENTITY: `x${keys.identity}`, CERTOPS_TEST_MARK: 'kept' },
    });
    assert.deepEqual(result.failed.map((f) => f.message), []);
    assert.equal(result.deployed.length, 1);
    const [run] = runs(out);
    const material = new DeployMaterial({ name: 'api', certificatePem: renewed.certificatePem, keyPem: renewed.keyPem });
    assert.equal(run!.env.CERTOPS_NAME, 'api');
    assert.equal(run!.env.CERTOPS_TARGET, 'upload');
    assert.equal(run!.env.CERTOPS_ACTION, 'deploy');
    assert.equal(run!.env.CERTOPS_SERIAL, material.serial);
    assert.equal(run!.env.CERTOPS_FINGERPRINT, material.sha256);
    assert.equal(run!.env.CERTOPS_NOT_AFTER, material.notAfter.toISOString());
    for (const v of ['CERTOPS_CERT_PATH', 'CERTOPS_KEY_PATH', 'CERTOPS_FULLCHAIN_PATH', 'CERTOPS_CHAIN_PATH']) {
      assert.ok(run!.env[v]!.startsWith(`${workDir}/`), `${v} is under workDir`);
      assert.ok(!existsSync(run!.env[v]!), `${v} is removed after the run`);
    }
    assert.equal(run!.keyMode, '600');
    assert.equal(run!.keyIsKey, true);
    assert.equal(run!.fullchainCerts, 2);
    assert.deepEqual(run!.argv, literal, 'arguments arrive as written: no shell, no interpolation');
    assert.equal(run!.env.INPUT_IDENTITY, undefined, 'action inputs do not reach the command');
    assert.equal(run!.env.HOLDS_IDENTITY, undefined, 'a variable holding the identity does not reach the command');
  });

  it('a non-zero exit is a failed deploy; the command runs again with the previous certificate to undo it', async (t) => {
    if (!ready(t)) return;
    const out = join(root, 'fail.jsonl');
    const renewedSerial = new DeployMaterial({ name: 'api', certificatePem: renewed.certificatePem, keyPem: renewed.keyPem }).serial;
    const result = await deploy(command(out, 'fail-serial', renewedSerial), { since: commitFirst });
    assert.equal(result.failed.length, 1);
    const outcome = result.failed[0]!;
    assert.equal(outcome.status, 'rolled-back', outcome.message);
    assert.match(outcome.message, /deploy FAILED: command .* exited with code 3: upload refused; the key was: \| \[private key redacted\]/);
    assert.match(outcome.message, /rollback ok: ran command .* again with the previous certificate/);
    for (const line of keyBody(renewed.keyPem).split('\n')) assert.ok(!outcome.message.includes(line), 'the key printed by the command is not in the message');
    const [deployRun, rollbackRun] = runs(out);
    assert.equal(deployRun!.env.CERTOPS_ACTION, 'deploy');
    assert.equal(rollbackRun!.env.CERTOPS_ACTION, 'rollback');
    assert.equal(rollbackRun!.env.CERTOPS_SERIAL, new DeployMaterial({ name: 'api', certificatePem: first.certificatePem, keyPem: first.keyPem }).serial);
  });

  it('without a previous certificate the failure cannot be undone, and the message says so', async (t) => {
    if (!ready(t)) return;
    const renewedSerial = new DeployMaterial({ name: 'api', certificatePem: renewed.certificatePem, keyPem: renewed.keyPem }).serial;
    const result = await deploy(command(join(root, 'fail2.jsonl'), 'fail-serial', renewedSerial), { only: ['api'] });
    assert.equal(result.failed[0]!.status, 'failed');
    assert.match(result.failed[0]!.message, /rollback FAILED: command .*: the command cannot be undone: certops knows no previous certificate/);
  });

  it('a command that outlives its timeout is killed with everything it started', async (t) => {
    if (!ready(t)) return;
    const pidFile = join(root, 'grandchild.pid');
    const target: TargetSpec = { command: { run: [process.execPath, script, join(root, 'hang.jsonl'), 'hang', pidFile], timeout: '1.5s' } };
    const started = Date.now();
    const result = await deploy(target, { only: ['api'] });
    assert.ok(Date.now() - started < 15_000, 'the timeout ended the run');
    assert.equal(result.failed.length, 1);
    assert.match(result.failed[0]!.message, /deploy FAILED: command .* timed out after 1\.5s and was killed/);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => (isAlive(grandchild) ? undefined : true), { what: `process ${grandchild} to be gone`, timeoutMs: 5000 });
  });

  it('leaves no key file behind', async (t) => {
    if (!ready(t)) return;
    assert.deepEqual(findKeyCopies([workDir, tmpdir()], [first.keyPem, renewed.keyPem], []), []);
  });

  it('after a failed reload the files are restored, and the second reload is told about the certificate now in place', async (t) => {
    if (!ready(t)) return;
    const out = join(root, 'reload.jsonl');
    const dir = join(root, 'served');
    const renewedSerial = new DeployMaterial({ name: 'api', certificatePem: renewed.certificatePem, keyPem: renewed.keyPem }).serial;
    const previous = new DeployMaterial({ name: 'api', certificatePem: first.certificatePem, keyPem: first.keyPem });
    // The reload refuses the renewed certificate only, so the first one goes in cleanly.
    const target: TargetSpec = { files: { dir }, reload: `${process.execPath} ${script} ${out} fail-serial ${renewedSerial}` };
    try {
      repo.setCertificate('api', first);
      assert.equal((await deploy(target, { only: ['api'] })).deployed.length, 1);
      repo.setCertificate('api', renewed);
      const result = await deploy(target, { only: ['api'] });
      assert.equal(result.rolledBack.length, 1, result.failed.map((f) => f.message).join('\n'));
      const reloads = runs(out);
      const last = reloads[reloads.length - 1]!;
      assert.equal(last.env.CERTOPS_ACTION, 'rollback');
      assert.equal(last.env.CERTOPS_SERIAL, previous.serial);
      assert.equal(last.env.CERTOPS_FINGERPRINT, previous.sha256);
    } finally {
      repo.setCertificate('api', renewed);
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
