import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LifecycleEvent } from '../../src/events/event.js';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import type { Issuer } from '../../src/issuers/types.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { loadLock } from '../../src/manifest/lock-file.js';
import { createGitHubClient } from '../../src/gitops/octokit.js';
import { publishRenewal } from '../../src/gitops/publish-renewal.js';
import { runLint } from '../../src/policy/lint.js';
import { renew, type RenewOptions } from '../../src/renewal/renew.js';
import { branchesOfGitRepo, startGitHubDouble, type GitHubDouble } from '../helpers/github-double.js';
import { findProgram, requireProgram } from '../helpers/system.js';

const NOW = new Date('2026-11-27T10:00:00Z');

function manifestText(recipient: string): string {
  return `version: 1
defaults: { issuer: internal, duration: 30d, renewBefore: 10d, owners: [platform] }
recipients: [${recipient}]
owners:
  platform: [alice, example/platform]
issuers:
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
  flaky: { cfssl: { url: "http://127.0.0.1:9" } }
certificates:
  - name: api
    dnsNames: [api.example.test, www.api.example.test]
  - name: legacy
    commonName: legacy.example.test
    dnsNames: [legacy.example.test]
    ipAddresses: [10.1.2.3]
    privateKey: { algorithm: RSA, size: 2048, rotationPolicy: Never }
  - name: edge
    dnsNames: [edge.example.test]
    privateKey: { algorithm: Ed25519 }
  - name: broken
    dnsNames: [broken.example.test]
    issuer: flaky
`;
}

/** An issuer that always fails, standing in for a CA that is down. */
const downIssuer: Issuer = { name: 'flaky', obtain: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')) };

describe('renew with the built-in CA: files, lock, PR, idempotent reruns', () => {
  let root: string;
  let origin: string;
  let identity: string;
  let double: GitHubDouble;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const logs: string[] = [];
  const events: LifecycleEvent[] = [];

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'certops-renew-'));
    origin = join(root, 'origin.git');
    git(root, 'init', '-q', '--bare', '-b', 'main', origin);
    const seed = join(root, 'seed');
    git(root, 'clone', '-q', origin, seed);
    git(seed, 'config', 'user.email', 't@example.com');
    git(seed, 'config', 'user.name', 'test');
    const id = await generateAgeIdentity();
    identity = id.identity;
    writeFileSync(join(seed, 'certificates.yaml'), manifestText(id.recipient));
    await writeCaFiles({ repoDir: seed, ca: await initCa({ commonName: 'certops test CA', now: new Date('2026-01-01T00:00:00Z') }), recipients: [id.recipient] });
    git(seed, 'add', '-A');
    git(seed, 'commit', '-qm', 'inventory');
    git(seed, 'push', '-q', 'origin', 'main');
    git(seed, 'config', 'pull.ff', 'only');
    double = await startGitHubDouble({ owner: 'example', repo: 'certs', token: 't0ken', branchSha: branchesOfGitRepo(origin) });
  });
  after(async () => {
    await double?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** One scheduled run: a fresh checkout, renew, publish. */
  async function scheduledRun(n: number, extra: Partial<RenewOptions> = {}) {
    const dir = join(root, `run${n}`);
    git(root, 'clone', '-q', origin, dir);
    const pending = git(dir, 'branch', '-r').includes('origin/certops/renew') ? 'origin/certops/renew' : undefined;
    const result = await renew({
      repoDir: dir,
      now: NOW,
      identity,
      issuers: new Map([['flaky', downIssuer]]),
      events: { emit: (e) => void events.push(e) },
      log: (l) => logs.push(l),
      runUrl: `https://github.com/example/certs/actions/runs/${n}`,
      ...(pending ? { pendingRevisions: [pending] } : {}),
      ...extra,
    });
    const manifest = loadManifest(readFileSync(join(dir, 'certificates.yaml'), 'utf8')).manifest!;
    const octokit = createGitHubClient({ token: 't0ken', baseUrl: double.url, throttle: false, retries: 0 });
    const published = await publishRenewal({ repoDir: dir, result, manifest, base: 'main', remote: 'origin', github: { octokit, owner: 'example', repo: 'certs' }, date: NOW, log: (l) => logs.push(l) });
    return { dir, result, published };
  }

  it('first run: renews every certificate it can, reports the one that fails, opens one PR', async () => {
    const { dir, result, published } = await scheduledRun(1);
    assert.deepEqual(result.renewed.map((r) => r.name).sort(), ['api', 'edge', 'legacy']);
    assert.deepEqual(result.failed.map((f) => [f.name, f.error]), [['broken', 'connect ECONNREFUSED 127.0.0.1:9']]);
    assert.equal(published.groups[0]!.branch.action, 'created');
    assert.equal(published.groups[0]!.pullRequest?.action, 'created');
    assert.match(published.groups[0]!.body, /\| api \| missing \|/);
    assert.match(published.groups[0]!.body, /### Failed[\s\S]*broken[\s\S]*ECONNREFUSED/);
    assert.deepEqual(published.groups[0]!.pullRequest?.reviewersRequested, { users: ['alice'], teams: ['platform'] });
    const { lock, findings } = loadLock(readFileSync(join(dir, 'certificates.lock.yaml'), 'utf8'));
    assert.deepEqual(findings, []);
    assert.deepEqual(Object.keys(lock.certificates), ['api', 'edge', 'legacy']);
    assert.equal(lock.certificates.api!.issuedBy, 'https://github.com/example/certs/actions/runs/1');
    assert.equal(result.lint?.counts.error, 0, JSON.stringify(result.lint?.findings));
    assert.deepEqual(events.map((e) => `${e.event_type}:${e.certificate}`).sort(), ['certificate_issued:api', 'certificate_issued:edge', 'certificate_issued:legacy', 'certificate_renewal_failed:broken']);
    assert.deepEqual(double.violations, []);
  });

  it('the chains verify with openssl and the age CLI decrypts every key', async (t) => {
    if (!requireProgram(t, 'openssl', 'openssl') || !requireProgram(t, 'age', 'age')) return;
    const dir = join(root, 'run1');
    const idFile = join(root, 'identity.txt');
    writeFileSync(idFile, `${identity}\n`, { mode: 0o600 });
    for (const name of ['api', 'edge', 'legacy']) {
      const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'pki/ca.pem'), join(dir, `certs/${name}/cert.pem`)], { encoding: 'utf8' });
      assert.match(out, /: OK/);
      const key = execFileSync('age', ['-d', '-i', idFile, join(dir, `certs/${name}/key.pem.age`)], { encoding: 'utf8' });
      assert.match(key, /^-----BEGIN PRIVATE KEY-----/);
      // The decrypted key belongs to the certificate.
      const fromKey = execFileSync('openssl', ['pkey', '-pubout'], { input: key, encoding: 'utf8' });
      const fromCert = execFileSync('openssl', ['x509', '-noout', '-pubkey', '-in', join(dir, `certs/${name}/cert.pem`)], { encoding: 'utf8' });
      assert.equal(fromKey, fromCert);
    }
  });

  it('second and third runs change nothing: same branch, same single PR', async () => {
    for (const n of [2, 3]) {
      const { result, published } = await scheduledRun(n);
      assert.deepEqual(result.renewed.map((r) => [r.name, r.carried]).sort(), [['api', true], ['edge', true], ['legacy', true]], `run ${n} carries the pending renewals`);
      assert.equal(published.groups[0]!.branch.action, 'not-updated', `run ${n}`);
      assert.equal(published.groups[0]!.pullRequest?.action, 'unchanged', `run ${n}`);
    }
    assert.equal(double.pulls().length, 1);
    assert.equal(events.filter((e) => e.event_type === 'certificate_issued').length, 3, 'carried renewals are not recorded twice');
    assert.deepEqual(double.violations, []);
  });

  it('after the merge, rotationPolicy Never keeps the key across a forced renewal', async () => {
    const seed = join(root, 'seed');
    git(seed, 'fetch', '-q', 'origin');
    git(seed, 'merge', '-q', '--ff-only', 'origin/certops/renew');
    git(seed, 'push', '-q', 'origin', 'main');
    const before = readFileSync(join(root, 'run1/certs/legacy/key.pem.age'), 'utf8');
    const { dir, result } = await scheduledRun(4, { force: true, only: ['legacy', 'api'] });
    const legacy = result.renewed.find((r) => r.name === 'legacy')!;
    assert.equal(legacy.keyReused, true);
    assert.equal(readFileSync(join(dir, 'certs/legacy/key.pem.age'), 'utf8'), before);
    assert.notEqual(readFileSync(join(dir, 'certs/api/key.pem.age'), 'utf8'), readFileSync(join(root, 'run1/certs/api/key.pem.age'), 'utf8'));
  });

  it('a key listed under retiredKeys is replaced at once, whatever its rotationPolicy, and lint warns until it is', async () => {
    const seed = join(root, 'seed');
    git(seed, 'fetch', '-q', 'origin');
    git(seed, 'merge', '-q', '--ff-only', 'origin/certops/renew');
    const pin = loadLock(readFileSync(join(seed, 'certificates.lock.yaml'), 'utf8')).lock.certificates.legacy!.spkiSha256;
    const manifestPath = join(seed, 'certificates.yaml');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace(/^(recipients: .*)$/m, `$1\nretiredKeys:\n  - { spkiSha256: "${pin}", reason: key file leaked in a support ticket }`));
    git(seed, 'commit', '-qam', 'retire the legacy key');
    git(seed, 'push', '-q', 'origin', 'main');

    const warned = runLint({ repoDir: seed, now: NOW }).findings.filter((f) => f.certificate === 'legacy' && f.ruleId === 'issued-state');
    assert.equal(warned.length, 1, JSON.stringify(warned));
    assert.equal(warned[0]!.severity, 'warning');
    assert.match(warned[0]!.message, /retired in certificates\.yaml \(key file leaked in a support ticket\)/);

    const { dir, result } = await scheduledRun(5);
    assert.deepEqual(result.plan.certificates.filter((c) => c.due && c.name !== 'broken').map((c) => [c.name, c.reason]), [['legacy', 'key-rotation']]);
    const legacy = result.renewed.find((r) => r.name === 'legacy')!;
    assert.equal(legacy.keyReused, false);
    const renewedPin = loadLock(readFileSync(join(dir, 'certificates.lock.yaml'), 'utf8')).lock.certificates.legacy!.spkiSha256;
    assert.notEqual(renewedPin, pin);
    assert.deepEqual(runLint({ repoDir: dir, now: NOW }).findings.filter((f) => f.certificate === 'legacy' && /retired/.test(f.message)), []);
  });

  it('no plaintext private key in the repositories, the logs or the PR body', () => {
    const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
    const scan = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (name === 'identity.txt') continue;
        if (statSync(p).isDirectory()) scan(p);
        else assert.doesNotMatch(readFileSync(p).toString('latin1'), pem, p);
      }
    };
    scan(root);
    // Every branch of origin, as git stores it.
    const all = execFileSync('git', ['log', '--all', '-p', '--format=%H'], { cwd: origin, encoding: 'latin1', maxBuffer: 64 << 20 });
    assert.doesNotMatch(all, pem);
    assert.doesNotMatch(logs.join('\n'), pem);
    assert.doesNotMatch(logs.join('\n'), /AGE-SECRET-KEY/);
    for (const pr of double.pulls()) assert.doesNotMatch(String(pr.body), pem);
  });
});

if (!findProgram('git')) throw new Error('git is required');
