import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration, parseDuration } from '../../src/manifest/duration.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { loadLock, serializeLock, type LockFile } from '../../src/manifest/lock-file.js';
import { specHash } from '../../src/manifest/spec-hash.js';

const base = `version: 1
defaults: { issuer: internal, duration: 90d, privateKey: { algorithm: RSA, size: 3072 } }
issuers:
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
targets:
  edge: { files: { dir: /tmp/x } }
owners:
  team: ["@alice", org/team]
certificates:
  - name: api
    dnsNames: [api.example.com]
`;

function messages(source: string) {
  return loadManifest(source).findings.map((f) => `${f.line}:${f.column} ${f.ruleId} ${f.message}`);
}

describe('durations', () => {
  it('parses days, hours and compound forms', () => {
    assert.equal(parseDuration('90d'), 90 * 86_400_000);
    assert.equal(parseDuration('2160h'), 90 * 86_400_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('90 days'), undefined);
    assert.equal(parseDuration(''), undefined);
    assert.equal(formatDuration(36 * 3_600_000), '1d12h');
  });
});

describe('loadManifest', () => {
  it('resolves defaults into every certificate', () => {
    const { manifest, findings } = loadManifest(base);
    assert.deepEqual(findings, []);
    const api = manifest!.certificates[0]!;
    assert.equal(api.issuer, 'internal');
    assert.equal(api.durationMs, 90 * 86_400_000);
    assert.deepEqual(api.privateKey, { algorithm: 'RSA', size: 3072, rotationPolicy: 'Always' });
    assert.deepEqual(api.usages, ['digital signature', 'key encipherment', 'server auth']);
  });
  it('a certificate algorithm without size gets that algorithm\'s default size', () => {
    const { manifest } = loadManifest(base + '    privateKey: { algorithm: ECDSA }\n');
    assert.deepEqual(manifest!.certificates[0]!.privateKey, { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' });
  });
  it('unknown keys: an error at the key, with a suggestion', () => {
    assert.deepEqual(messages(base + '    dnsName: [x.example.com]\n'), ['12:5 manifest-schema Unknown key "dnsName" in certificates[0]. Did you mean "dnsNames"?']);
    assert.match(messages(base.replace('targets:', 'targest:'))[0]!, /^5:1 .*Did you mean "targets"\?/);
  });
  it('wrong types and bad durations land on their line', () => {
    assert.deepEqual(messages(base + '    duration: 90 days\n'), [
      '12:15 manifest-schema certificates[0].duration has the value "90 days", which is not valid. Expected: A duration such as 90d, 2160h or 1h30m (units d, h, m, s).',
    ]);
    assert.deepEqual(messages(base.replace('dnsNames: [api.example.com]', 'dnsNames: api.example.com')), ['11:15 manifest-schema certificates[0].dnsNames must be a list.']);
  });
  it('enum errors suggest the closest value', () => {
    assert.match(messages(base + '    privateKey: { algorithm: ecdsa }\n')[0]!, /^12:30 .*must be one of "RSA", "ECDSA", "Ed25519"\. Did you mean "ECDSA"\?/);
  });
  it('missing required keys and duplicate names', () => {
    assert.match(messages('version: 1\n')[0]!, /the document is missing the required key "certificates"/);
    assert.match(messages(base + '  - name: api\n    dnsNames: [b.example.com]\n')[0]!, /^12:11 manifest-duplicate Certificate name "api" is used twice/);
  });
  it('references to issuers, targets and owners must exist', () => {
    const m = messages(base + '    issuer: intern\n    deploy: [edge, nowhere]\n    owners: [teem]\n');
    assert.deepEqual(m.map((x) => x.split(' manifest-reference ')[0]), ['12:13', '13:20', '14:14']);
    assert.match(m[0]!, /Did you mean "internal"/);
    assert.match(m[2]!, /Did you mean "team"/);
  });
  it('retiredKeys: pins are read, and a malformed pin or a missing reason is an error at its line', () => {
    const pin = 'B+AAFV7jWXjmmSaaFgF6kE2uJAG/QJjzRnWQOpXdo58=';
    const ok = loadManifest(base.replace('issuers:', `retiredKeys:\n  - { spkiSha256: "${pin}", reason: compromised }\nissuers:`));
    assert.deepEqual(ok.findings, []);
    assert.deepEqual(ok.manifest!.retiredKeys, [{ spkiSha256: pin, reason: 'compromised' }]);
    const bad = messages(base.replace('issuers:', `retiredKeys:\n  - { spkiSha256: "8407c345", reason: weak }\n  - { spkiSha256: "${pin}" }\nissuers:`));
    assert.equal(bad.length, 2, bad.join('\n'));
    assert.match(bad[0]!, /^4:\d+ manifest-schema retiredKeys\[0\]\.spkiSha256 has the value "8407c345", which is not valid\. Expected: base64 SHA-256/);
    assert.match(bad[1]!, /^5:\d+ manifest-schema retiredKeys\[1\] is missing the required key "reason"/);
    // An item the schema refused is left out of the manifest, so nothing that reads it meets a null.
    const empty = loadManifest(base.replace('issuers:', 'retiredKeys:\n  - null\n  -\nissuers:'));
    assert.equal(empty.findings.filter((f) => f.path?.startsWith('/retiredKeys') && / must be a mapping/.test(f.message)).length, 2);
    assert.deepEqual(empty.manifest!.retiredKeys, []);
  });
  it('a certificate without any name is an error', () => {
    assert.match(messages(base.replace('    dnsNames: [api.example.com]\n', ''))[0]!, /names no subject/);
  });
});

describe('bad input never throws', () => {
  const cases: [string, string, RegExp][] = [
    ['malformed YAML', 'version: 1\ncertificates: [\n  - a: b\n', /not valid YAML/],
    ['a tab-indented file', 'version: 1\ncertificates:\n\t- name: x\n', /not valid YAML/],
    ['an empty file', '', /is empty/],
    ['a scalar document', 'hello', /must be a mapping|must be a mapping/],
    ['a binary file', '\u0000\u0001\u0002ELF', /binary file/],
    ['two documents', 'version: 1\n---\nversion: 1\n', /2 YAML documents/],
    ['a 50 MB file', 'version: 1\n#' + 'x'.repeat(50 * 1024 * 1024), /50\.0 MB/],
  ];
  for (const [name, source, expected] of cases) {
    it(name, () => {
      const { findings, manifest } = loadManifest(source);
      assert.equal(manifest, undefined);
      assert.equal(findings.length >= 1, true);
      assert.match(findings[0]!.message, expected);
      assert.equal(typeof findings[0]!.line, 'number');
    });
  }
  it('an alias bomb is refused quickly', () => {
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const started = performance.now();
    const { findings } = loadManifest(bomb);
    assert.match(findings[0]!.message, /alias bomb/);
    assert.ok(performance.now() - started < 2000);
  });
  it('a syntax error reports its line', () => {
    const { findings } = loadManifest('version: 1\ncertificates:\n  - name: a\n    dnsNames: [a, b\n  - name: c\n');
    assert.equal(findings[0]!.ruleId, 'manifest-syntax');
    assert.ok(findings[0]!.line >= 4, `line ${findings[0]!.line}`);
  });
});

describe('lock file', () => {
  const entry = (serial: string) => ({
    serial,
    sha256: 'ab'.repeat(32),
    spkiSha256: 'Q'.repeat(43) + '=',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2026-04-01T00:00:00.000Z',
    issuer: 'internal',
    issuerDN: 'CN=Example CA',
    certificate: 'certs/x/cert.pem',
    key: 'certs/x/key.pem.age',
    specHash: 'sha256:' + 'cd'.repeat(32),
    issuedAt: '2026-01-01T00:00:00.000Z',
  });
  it('serializes deterministically whatever the insertion order', () => {
    const a: LockFile = { version: 1, certificates: { zeta: entry('1e5'), alpha: { ...entry('0a'), issuedBy: 'certops cli' } } };
    const b: LockFile = { version: 1, certificates: { alpha: { issuedBy: 'certops cli', ...entry('0a') }, zeta: entry('1e5') } };
    assert.equal(serializeLock(a), serializeLock(b));
    assert.ok(serializeLock(a).indexOf('alpha:') < serializeLock(a).indexOf('zeta:'));
  });
  it('round-trips, keeping hex serials that look like numbers as strings', () => {
    const lock: LockFile = { version: 1, certificates: { x: entry('1e5') } };
    const text = serializeLock(lock);
    const back = loadLock(text);
    assert.deepEqual(back.findings, []);
    assert.deepEqual(back.lock, lock);
    assert.equal(serializeLock(back.lock), text);
  });
  it('reports schema errors at their line', () => {
    const text = serializeLock({ version: 1, certificates: { x: entry('0a') } }).replace(/sha256: a+b.*/, 'sha256: nothex');
    const { findings } = loadLock(text);
    assert.equal(findings[0]!.ruleId, 'lock-schema');
    assert.equal(findings[0]!.line, 6);
  });
});

describe('spec hash', () => {
  it('changes with what is issued, not with owners or targets', () => {
    const one = loadManifest(base).manifest!.certificates[0]!;
    const moved = loadManifest(base + '    owners: [team]\n    deploy: [edge]\n').manifest!.certificates[0]!;
    const renamed = loadManifest(base.replace('[api.example.com]', '[api.example.com, www.example.com]')).manifest!.certificates[0]!;
    assert.equal(specHash(one), specHash(moved));
    assert.notEqual(specHash(one), specHash(renamed));
  });
});

describe('key sizes follow their algorithm', () => {
  const withDefaults = (defaultsKey: string, certKey = '') =>
    loadManifest(base.replace('privateKey: { algorithm: RSA, size: 3072 }', defaultsKey) + certKey).manifest!.certificates[0]!.privateKey;
  it('defaults naming RSA without a size give RSA 2048, not the ECDSA default size', () => {
    assert.deepEqual(withDefaults('privateKey: { algorithm: RSA }'), { algorithm: 'RSA', size: 2048, rotationPolicy: 'Always' });
    assert.deepEqual(withDefaults('privateKey: { algorithm: RSA }', '    privateKey: { algorithm: RSA }\n'), { algorithm: 'RSA', size: 2048, rotationPolicy: 'Always' });
  });
  it('a size in defaults applies to the defaults algorithm only', () => {
    assert.equal(withDefaults('privateKey: { size: 384 }').size, 384);
    assert.equal(withDefaults('privateKey: { algorithm: RSA, size: 4096 }', '    privateKey: { algorithm: ECDSA }\n').size, 256);
    assert.equal(withDefaults('privateKey: { algorithm: RSA }', '    privateKey: { algorithm: Ed25519 }\n').size, 0);
  });
  it('a zero duration is an error at its line, not a vanished certificate', () => {
    const { manifest, findings } = loadManifest(base + '    duration: 0d\n');
    assert.equal(manifest!.certificates.length, 0);
    assert.match(findings[0]!.message, /duration "0d" is zero/);
    assert.equal(findings[0]!.line, 12);
  });
  it('names inherited from Object.prototype are not issuers', () => {
    assert.match(messages(base + '    issuer: constructor\n')[0]!, /issuer "constructor" is not defined/);
  });
});
