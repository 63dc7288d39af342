import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byRule, lintFixture, manifestWith, policyWith } from '../helpers/lint-fixture.js';

/** Lints one certificate under one rule and returns that rule's findings. */
function check(rule: string, params: string, certLines: string, now?: string) {
  const result = lintFixture({ manifest: manifestWith(certLines), policies: policyWith(rule, params), ...(now ? { now } : {}) });
  assert.deepEqual(byRule(result.findings, 'policy-schema'), [], 'the policy itself is valid');
  return byRule(result.findings, rule);
}

describe('allowed-issuers', () => {
  it('passes an allowed issuer', () => assert.equal(check('allowed-issuers', 'issuers: [internal]', '    dnsNames: [a.example.com]').length, 0));
  it('flags another issuer at its line', () => {
    const f = check('allowed-issuers', 'issuers: [public]', '    dnsNames: [a.example.com]\n    issuer: internal');
    assert.equal(f.length, 1);
    assert.equal(f[0]!.line, 15);
    assert.match(f[0]!.message, /issuer "internal" is not allowed here; use one of: public/);
  });
  it('points at defaults when the issuer is inherited', () => {
    const f = check('allowed-issuers', 'issuers: [public]', '    dnsNames: [a.example.com]');
    assert.equal(f[0]!.line, 2);
    assert.equal(f[0]!.path, '/defaults/issuer');
  });
});

describe('dns-names', () => {
  const names = '    dnsNames: [api.example.com, www.api.example.com, db.internal.example.com]';
  it('passes names under allowed suffixes', () => assert.equal(check('dns-names', 'allow: [.example.com]', names).length, 0));
  it('flags denied names even when allowed', () => {
    const f = check('dns-names', 'allow: [.example.com], deny: [.internal.example.com]', names);
    assert.deepEqual(f.map((x) => x.path), ['/certificates/0/dnsNames/2']);
    assert.match(f[0]!.message, /denied pattern ".internal.example.com"/);
  });
  it('one-label wildcard patterns do not cover deeper names', () => {
    const f = check('dns-names', 'allow: ["*.example.com"]', names);
    assert.deepEqual(f.map((x) => x.path), ['/certificates/0/dnsNames/1', '/certificates/0/dnsNames/2']);
  });
  it('checks a host-name commonName too', () => {
    const f = check('dns-names', 'allow: [example.com]', '    commonName: evil.test');
    assert.equal(f.length, 1);
    assert.match(f[0]!.message, /evil\.test/);
  });
});

describe('ip-sans', () => {
  it('passes when allowed', () => assert.equal(check('ip-sans', 'allow: true', '    ipAddresses: [10.0.0.1]').length, 0));
  it('flags each IP SAN when not allowed', () => {
    const f = check('ip-sans', 'allow: false', '    ipAddresses: [10.0.0.1, "::1"]');
    assert.equal(f.length, 2);
    assert.equal(f[1]!.path, '/certificates/0/ipAddresses/1');
  });
});

describe('wildcards', () => {
  it('passes plain names', () => assert.equal(check('wildcards', 'allow: false', '    dnsNames: [a.example.com]').length, 0));
  it('flags a wildcard', () => assert.equal(check('wildcards', 'allow: false', '    dnsNames: ["*.example.com"]').length, 1));
  it('allows only the listed wildcards', () => {
    const f = check('wildcards', 'only: ["*.example.com"]', '    dnsNames: ["*.example.com", "*.example.org"]');
    assert.deepEqual(f.map((x) => x.path), ['/certificates/0/dnsNames/1']);
  });
});

describe('max-sans', () => {
  it('passes at the limit', () => assert.equal(check('max-sans', 'max: 2', '    dnsNames: [a.example.com, b.example.com]').length, 0));
  it('flags over the limit', () => {
    const f = check('max-sans', 'max: 2', '    dnsNames: [a.example.com, b.example.com]\n    ipAddresses: [10.0.0.1]');
    assert.match(f[0]!.message, /3 subject alternative names; policy allows at most 2/);
  });
});

describe('key-algorithm', () => {
  const allow = 'allow: [{ algorithm: RSA, minSize: 2048 }, { algorithm: ECDSA, sizes: [256, 384] }, { algorithm: Ed25519 }]';
  it('passes the default ECDSA P-256', () => assert.equal(check('key-algorithm', allow, '    dnsNames: [a.example.com]').length, 0));
  it('passes Ed25519 and RSA 3072', () => {
    assert.equal(check('key-algorithm', allow, '    dnsNames: [a.example.com]\n    privateKey: { algorithm: Ed25519 }').length, 0);
    assert.equal(check('key-algorithm', allow, '    dnsNames: [a.example.com]\n    privateKey: { algorithm: RSA, size: 3072 }').length, 0);
  });
  it('flags RSA 1024 and ECDSA P-521', () => {
    assert.match(check('key-algorithm', allow, '    dnsNames: [a.example.com]\n    privateKey: { algorithm: RSA, size: 1024 }')[0]!.message, /RSA 1024 is not an allowed key/);
    assert.match(check('key-algorithm', allow, '    dnsNames: [a.example.com]\n    privateKey: { algorithm: ECDSA, size: 521 }')[0]!.message, /ECDSA P-521/);
  });
  it('rejects malformed parameters as a policy error', () => {
    const r = lintFixture({ manifest: manifestWith('    dnsNames: [a.example.com]'), policies: policyWith('key-algorithm', 'allow: [{ algorithm: DSA }]') });
    assert.match(byRule(r.findings, 'policy-schema')[0]!.message, /allow\[0\]\.algorithm must be RSA, ECDSA or Ed25519/);
  });
});

describe('rotation-policy', () => {
  it('passes Always', () => assert.equal(check('rotation-policy', 'require: Always', '    dnsNames: [a.example.com]').length, 0));
  it('flags Never', () => assert.equal(check('rotation-policy', 'require: Always', '    dnsNames: [a.example.com]\n    privateKey: { rotationPolicy: Never }').length, 1));
});

describe('max-duration', () => {
  it('passes within the maximum', () => assert.equal(check('max-duration', 'max: 90d', '    dnsNames: [a.example.com]\n    duration: 2160h').length, 0));
  it('flags above the maximum', () => assert.match(check('max-duration', 'max: 90d', '    dnsNames: [a.example.com]\n    duration: 91d')[0]!.message, /exceeds the policy maximum of 90d/));
});

describe('cabf-validity (held clock)', () => {
  const cert = (d: string) => `    dnsNames: [a.example.com]\n    issuer: public\n    duration: ${d}`;
  it('398 days passes before 2026-03-15, 399 does not', () => {
    assert.equal(check('cabf-validity', '', cert('398d'), '2026-03-14T23:59:59Z').filter((f) => f.severity === 'error').length, 0);
    assert.equal(check('cabf-validity', '', cert('399d'), '2026-03-14T23:59:59Z')[0]!.severity, 'error');
  });
  it('from 2026-03-15 the cap is 200 days', () => {
    assert.match(check('cabf-validity', '', cert('201d'), '2026-03-15T00:00:00Z')[0]!.message, /cap of 200 days/);
    assert.equal(check('cabf-validity', '', cert('200d'), '2026-03-15T00:00:00Z')[0]!.severity, 'warning');
  });
  it('warns with the date of the next step', () => {
    const f = check('cabf-validity', '', cert('150d'), '2026-11-27T00:00:00Z');
    assert.equal(f[0]!.severity, 'warning');
    assert.match(f[0]!.message, /on 2027-03-15, when it drops to 100 days/);
  });
  it('from 2027-03-15 100 days, from 2029-03-15 47 days', () => {
    assert.match(check('cabf-validity', '', cert('101d'), '2027-03-15T00:00:00Z')[0]!.message, /cap of 100 days/);
    assert.match(check('cabf-validity', '', cert('60d'), '2027-03-15T00:00:00Z')[0]!.message, /2029-03-15.*47 days/);
    assert.match(check('cabf-validity', '', cert('48d'), '2029-03-15T00:00:00Z')[0]!.message, /cap of 47 days/);
    assert.equal(check('cabf-validity', '', cert('47d'), '2030-01-01T00:00:00Z').length, 0);
  });
  it('does not apply to a private CA', () => assert.equal(check('cabf-validity', '', '    dnsNames: [a.example.com]\n    duration: 800d', '2030-01-01T00:00:00Z').length, 0));
});

describe('renewal-window', () => {
  it('passes a third of the lifetime', () => assert.equal(check('renewal-window', '', '    dnsNames: [a.example.com]\n    duration: 90d\n    renewBefore: 30d').length, 0));
  it('an unmeetable window is an error', () => assert.match(check('renewal-window', '', '    dnsNames: [a.example.com]\n    duration: 30d\n    renewBefore: 30d')[0]!.message, /can never be met/));
  it('too short a window is flagged', () => assert.match(check('renewal-window', 'minFraction: 0.25', '    dnsNames: [a.example.com]\n    duration: 90d\n    renewBeforePercentage: 10')[0]!.message, /at least 25%/));
});

describe('owners-required and deploy-targets', () => {
  it('passes with owners and targets', () => {
    assert.equal(check('owners-required', '', '    dnsNames: [a.example.com]').length, 0);
    assert.equal(check('deploy-targets', '', '    dnsNames: [a.example.com]').length, 0);
  });
  it('flags a certificate without owners or targets', () => {
    const manifest = manifestWith('    dnsNames: [a.example.com]').replace('    owners: [team]\n', '').replace('    deploy: [edge]\n', '');
    const r = lintFixture({ manifest, policies: { 'p.yaml': 'version: 1\nrules:\n  owners-required: { severity: error }\n  deploy-targets: { severity: error }\n' } });
    assert.equal(byRule(r.findings, 'owners-required').length, 1);
    assert.equal(byRule(r.findings, 'deploy-targets').length, 1);
  });
  it('an unknown target is a manifest reference error with a suggestion', () => {
    const r = lintFixture({ manifest: manifestWith('    dnsNames: [a.example.com]').replace('deploy: [edge]', 'deploy: [egde]') });
    assert.match(byRule(r.findings, 'manifest-reference')[0]!.message, /Did you mean "edge"/);
  });
});

describe('no-plaintext-keys', () => {
  const pemKey = '# notes\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n';
  it('passes a repository without keys', () => assert.equal(check('no-plaintext-keys', '', '    dnsNames: [a.example.com]').length, 0));
  it('flags a PEM key at its line, and a PKCS#12 file', () => {
    const pfx = Buffer.from('3082010a020103308201' + '06092a864886f70d010701' + '00'.repeat(40), 'hex');
    const r = lintFixture({ manifest: manifestWith('    dnsNames: [a.example.com]'), policies: policyWith('no-plaintext-keys', ''), files: { 'ops/key.pem': pemKey, 'ops/bundle.bin': pfx } });
    const f = byRule(r.findings, 'no-plaintext-keys');
    assert.deepEqual(f.map((x) => `${x.file}:${x.line}`), ['ops/bundle.bin:1', 'ops/key.pem:2']);
  });
  it('honours allowPaths', () => {
    const r = lintFixture({ manifest: manifestWith('    dnsNames: [a.example.com]'), policies: policyWith('no-plaintext-keys', 'allowPaths: ["test/fixtures/**"]'), files: { 'test/fixtures/deep/key.pem': pemKey } });
    assert.equal(byRule(r.findings, 'no-plaintext-keys').length, 0);
  });
});

describe('policy selection', () => {
  it('applies rules only to selected certificates', () => {
    const manifest = manifestWith('    dnsNames: [a.example.com]\n    labels: { env: dev }');
    const prod = lintFixture({ manifest, policies: policyWith('ip-sans', 'allow: false', 'select: { labels: { env: prod } }\n') });
    assert.equal(byRule(prod.findings, 'ip-sans').length, 0);
    const dev = lintFixture({ manifest: manifest.replace('dnsNames: [a.example.com]', 'ipAddresses: [10.1.1.1]'), policies: policyWith('ip-sans', 'allow: false', 'select: { labels: { env: dev }, names: ["w*"] }\n') });
    assert.equal(byRule(dev.findings, 'ip-sans').length, 1);
  });
  it('a rule with severity off does nothing', () => {
    const r = lintFixture({ manifest: manifestWith('    ipAddresses: [10.1.1.1]'), policies: { 'p.yaml': 'version: 1\nrules:\n  ip-sans: { severity: off, allow: false }\n' } });
    assert.equal(byRule(r.findings, 'ip-sans').length, 0);
  });
  it('an unknown rule is a policy schema error with a suggestion', () => {
    const r = lintFixture({ manifest: manifestWith('    dnsNames: [a.example.com]'), policies: { 'p.yaml': 'version: 1\nrules:\n  ip-sanz: { severity: error }\n' } });
    const f = byRule(r.findings, 'policy-schema');
    assert.equal(f[0]!.file, 'policies/p.yaml');
    assert.equal(f[0]!.line, 3);
    assert.match(f[0]!.message, /Did you mean "ip-sans"/);
  });
});
