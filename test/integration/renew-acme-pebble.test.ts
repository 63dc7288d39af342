// renew() with an ACME issuer named in certificates.yaml, against Pebble with real http-01
// validation and half of its nonces rejected: the whole path a scheduled run takes, including
// the ACME account key created on the first run and kept age-encrypted in the repository.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { decryptPrivateKey, generateAgeIdentity, isAgeEncrypted } from '../../src/keys/age.js';
import { loadLock } from '../../src/manifest/lock-file.js';
import { renew } from '../../src/renewal/renew.js';
import { startChallTestSrv, type ChallTestSrv } from '../helpers/challtestsrv.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { findProgram, requireProgram } from '../helpers/system.js';

const PROGRAMS: [string, string][] = [['pebble', 'pebble'], ['pebble-challtestsrv', 'pebble'], ['openssl', 'openssl']];
const available = PROGRAMS.every(([p]) => findProgram(p));
const need = (t: TestContext) => PROGRAMS.every(([p, pkg]) => requireProgram(t, p, pkg) !== undefined);

describe('renew() from certificates.yaml against Pebble (real http-01, 50% nonce rejection)', () => {
  let repo: string;
  let dns: ChallTestSrv;
  let pebble: Pebble;
  let identity: string;

  before(async () => {
    if (!available) return;
    repo = await mkdtemp(join(tmpdir(), 'certops-renew-acme-'));
    dns = await startChallTestSrv();
    pebble = await startPebble({ dnsServer: dns.dnsAddress, nonceRejectPercent: 50, certificateValidityPeriod: 30 * 86400 });
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, 'pebble-tls.pem'), pebble.tls.caPem);
    writeFileSync(join(repo, 'pebble-root.pem'), pebble.rootPem);
    const id = await generateAgeIdentity();
    identity = id.identity;
    const names = Array.from({ length: 6 }, (_, i) => `  - name: site${i}\n    dnsNames: [site${i}.example.test, www.site${i}.example.test]\n`).join('');
    writeFileSync(
      join(repo, 'certificates.yaml'),
      `version: 1\ndefaults: { issuer: pebble, duration: 30d }\nrecipients: [${id.recipient}]\nissuers:\n  pebble:\n    publiclyTrusted: false\n    acme:\n      directory: ${pebble.directoryUrl}\n      caCertificate: pebble-tls.pem\n      solvers: [ { http01: { listen: "127.0.0.1:${pebble.httpPort}" } } ]\ncertificates:\n${names}`,
    );
  });
  after(async () => {
    await pebble?.stop();
    await dns?.stop();
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  it('issues every certificate, stores the new account key encrypted, and reuses it next time', async (t) => {
    if (!need(t)) return;
    const first = await renew({ repoDir: repo, now: new Date(), identity, concurrency: 4 });
    assert.deepEqual(first.failed, []);
    assert.equal(first.renewed.length, 6);
    const accountKey = readFileSync(join(repo, 'pki/acme/pebble.account.key.age'));
    assert.ok(isAgeEncrypted(accountKey), 'the account key is written age-encrypted');
    assert.match(await decryptPrivateKey(accountKey, identity), /^-----BEGIN PRIVATE KEY-----/);
    assert.ok(first.changedPaths.includes('pki/acme/pebble.account.key.age'));
    const { lock } = loadLock(readFileSync(join(repo, 'certificates.lock.yaml'), 'utf8'));
    for (const [name, entry] of Object.entries(lock.certificates)) {
      const out = execFileSync('openssl', ['verify', '-CAfile', join(repo, 'pebble-root.pem'), '-untrusted', join(repo, entry.certificate), join(repo, entry.certificate)], { encoding: 'utf8' });
      assert.match(out, /: OK/, name);
    }

    const forced = await renew({ repoDir: repo, now: new Date(), identity, force: true, only: ['site0'] });
    assert.deepEqual(forced.failed, []);
    assert.equal(forced.renewed[0]!.reason, 'forced');
    assert.notEqual(forced.renewed[0]!.newSerial, first.renewed.find((r) => r.name === 'site0')!.newSerial);
    assert.ok(!forced.changedPaths.includes('pki/acme/pebble.account.key.age'), 'the stored account is used again');
  });
});
