// Paths in the lock file come from the repository: renew must not follow them out of it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { serializeLock } from '../../src/manifest/lock-file.js';
import { renew } from '../../src/renewal/renew.js';

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
