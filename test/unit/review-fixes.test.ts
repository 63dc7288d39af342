import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadLock, serializeLock, type LockEntry } from '../../src/manifest/lock-file.js';
import { normalizeIp } from '../../src/pki/ip.js';
import { matchesGlob } from '../../src/policy/glob.js';
import { byRule, lintFixture, manifestWith, policyWith } from '../helpers/lint-fixture.js';

const entry = (): LockEntry => ({
  serial: '0a', sha256: 'ab'.repeat(32), spkiSha256: 'Q'.repeat(43) + '=', notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2026-04-01T00:00:00.000Z',
  issuer: 'internal', issuerDN: 'CN=x', certificate: 'certs/x/cert.pem', key: 'certs/x/key.pem.age', specHash: 'sha256:' + 'cd'.repeat(32), issuedAt: '2026-01-01T00:00:00.000Z',
});

it('a schema error in one lock entry leaves out that entry only, not those whose name it starts with', () => {
  const text = serializeLock({ version: 1, certificates: { web: entry(), 'web-2': entry() } }).replace(/(web-2:\n(?:.*\n)*?\s+issuedAt: )"[^"]+"/, '$1"yesterday"');
  const { lock, findings } = loadLock(text);
  assert.equal(findings.length, 1);
  assert.deepEqual(Object.keys(lock.certificates), ['web']);
});

it('IPv4-mapped IPv6 addresses have one spelling', () => {
  assert.equal(normalizeIp('::ffff:1.2.3.4'), normalizeIp('::ffff:102:304'));
  assert.equal(normalizeIp('::ffff:1.2.3.4'), '::ffff:102:304'); // RFC 5952, as the URL parser writes it
  assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
});

it('**/ in a glob spans whole folders only', () => {
  assert.ok(matchesGlob('test/fixtures/a.pem', ['test/**/fixtures/*']));
  assert.ok(matchesGlob('test/x/y/fixtures/a.pem', ['test/**/fixtures/*']));
  assert.ok(!matchesGlob('test/xfixtures/a.pem', ['test/**/fixtures/*']));
});

it('a private key after an unrelated "PRIVATE KEY-----" mention is still found', () => {
  const text = 'docs mention -----END PRIVATE KEY----- here\n\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
  const r = lintFixture({ manifest: manifestWith('    dnsNames: [a.example.com]'), policies: policyWith('no-plaintext-keys', ''), files: { 'notes.txt': text } });
  const f = byRule(r.findings, 'no-plaintext-keys');
  assert.deepEqual(f.map((x) => `${x.file}:${x.line}`), ['notes.txt:3']);
});
