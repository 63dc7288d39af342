// Paths in the lock file come from the repository: renew must not follow them out of it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { serializeLock } from '../../src/manifest/lock-file.js';
import { renew } from '../../src/renewal/renew.js';
import { appendEvents } from '../../src/report/ledger-file.js';

const root = mkdtempSync(join(tmpdir(), 'certops-renew-paths-'));
after(() => rmSync(root, { recursive: true, force: true }));

it('an orphaned lock entry naming a file outside the repository does not delete it', async () => {
  const repo = join(root, 'repo');
  mkdirSync(repo);
  const victim = join(root, 'victim.txt');
  writeFileSync(victim, 'keep me');
  const id = await generateAgeIdentity();
  writeFileSync(join(repo, 'certificates.yaml'), `version: 1\ndefaults: { issuer: internal }\nrecipients: [${id.recipient}]\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n`);
  await writeCaFiles({ repoDir: repo, ca: await initCa({ commonName: 'paths CA' }), recipients: [id.recipient] });
  const orphan = {
    serial: '0a', sha256: 'ab'.repeat(32), spkiSha256: 'Q'.repeat(43) + '=', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-04-01T00:00:00.000Z',
    issuer: 'internal', issuerDN: 'CN=x', certificate: '../victim.txt', key: 'certs/gone/key.pem.age', specHash: 'sha256:' + 'cd'.repeat(32), issuedAt: '2026-01-01T00:00:00.000Z',
  };
  writeFileSync(join(repo, 'certificates.lock.yaml'), serializeLock({ version: 1, certificates: { gone: orphan } }));
  const logs: string[] = [];
  const result = await renew({ repoDir: repo, now: new Date(), identity: id.identity, log: (l) => logs.push(l) });
  assert.deepEqual(result.removed, ['gone']);
  assert.ok(existsSync(victim), 'the file outside the repository is still there');
  assert.match(logs.join('\n'), /gone: .*outside the repository; not deleted/);
  assert.ok(!result.changedPaths.includes('../victim.txt'));
});

it('a certificate whose folder is a committed symbolic link fails before issuing, and nothing is written where the link points', async () => {
  const repo = join(root, 'repo-link');
  const elsewhere = join(root, 'elsewhere');
  mkdirSync(join(repo, 'certs'), { recursive: true });
  mkdirSync(elsewhere);
  symlinkSync(elsewhere, join(repo, 'certs', 'www'));
  const id = await generateAgeIdentity();
  writeFileSync(join(repo, 'certificates.yaml'), `version: 1\ndefaults: { issuer: internal }\nrecipients: [${id.recipient}]\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n  - name: api\n    dnsNames: [api.example.test]\n`);
  await writeCaFiles({ repoDir: repo, ca: await initCa({ commonName: 'paths CA' }), recipients: [id.recipient] });
  const result = await renew({ repoDir: repo, now: new Date(), identity: id.identity, log: () => undefined });
  assert.deepEqual(result.renewed.map((r) => r.name), ['api']);
  assert.deepEqual(result.failed.map((f) => f.name), ['www']);
  assert.match(result.failed[0]!.error, /certs\/www is a symbolic link/);
  assert.deepEqual(readdirSync(elsewhere), []);
  assert.ok(existsSync(join(repo, 'certs/api/cert.pem')));
  assert.ok(!result.changedPaths.some((p) => p.startsWith('certs/www')));
});

it('the audit ledger is not appended through a symbolic link', async () => {
  const repo = join(root, 'repo-ledger');
  const target = join(root, 'planted.jsonl');
  writeFileSync(target, '');
  mkdirSync(join(repo, 'reports'), { recursive: true });
  symlinkSync(target, join(repo, 'reports', 'audit.jsonl'));
  await assert.rejects(appendEvents(repo, [{ timestamp: '2026-01-01T00:00:00Z', event_type: 'certificate_issued', certificate_subject: 'CN=x', certificate_serial: '01', issuer: 'CN=ca', expiration_date: '2026-04-01T00:00:00Z', deployment_status: 'n/a', target_systems: [], certificate: 'x', actor: 't', run_url: 'u' }]), /reports\/audit\.jsonl is a symbolic link/);
  assert.equal(readFileSync(target, 'utf8'), '');
});
