import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { test } from 'node:test';
import { createCsr, readCsr, subjectCommonName, type CertificateNames } from '../../src/pki/csr.js';
import { parsePem, toPem } from '../../src/pki/pem.js';
import { generatePrivateKey, samePublicKey, type KeyType } from '../../src/pki/private-key.js';
import { requireProgram } from '../helpers/system.js';

const NAMES: CertificateNames = {
  commonName: 'api.example.com',
  dnsNames: ['api.example.com', 'www.api.example.com'],
  ipAddresses: ['192.0.2.10', '2001:db8::1'],
  uris: ['spiffe://example.com/api'],
  emailAddresses: ['pki@example.com'],
};

const KEY_TYPES: KeyType[] = [
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'Ed25519', size: 0 },
];

const SIGNATURE: Record<string, RegExp> = {
  'ECDSA 256': /Signature Algorithm: ecdsa-with-SHA256/,
  'ECDSA 384': /Signature Algorithm: ecdsa-with-SHA384/,
  'RSA 2048': /Signature Algorithm: sha256WithRSAEncryption/,
  'Ed25519 0': /Signature Algorithm: ED25519/,
};

test('openssl verifies our CSRs and reads back CN and every kind of SAN', async (t) => {
  const openssl = requireProgram(t, 'openssl', 'openssl');
  if (!openssl) return;
  for (const type of KEY_TYPES) {
    const label = `${type.algorithm} ${type.size}`;
    const csr = await createCsr(NAMES, await generatePrivateKey(type));
    assert.match(csr, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const out: SpawnSyncReturns<string> = spawnSync(openssl, ['req', '-verify', '-noout', '-text'], { input: csr, encoding: 'utf8' });
    assert.equal(out.status, 0, `${label}: ${out.stderr}`);
    assert.match(out.stderr + out.stdout, /verify OK/, label);
    assert.match(out.stdout, /Subject: CN ?= ?api\.example\.com\n/, label);
    assert.match(out.stdout, SIGNATURE[label]!, label);
    const san = /X509v3 Subject Alternative Name: ?(critical)?\n\s*(.*)\n/.exec(out.stdout);
    assert.ok(san, `${label}: no SAN in\n${out.stdout}`);
    assert.equal(san[1], undefined, 'SAN is not critical while the subject has a CN');
    assert.equal(
      san[2],
      'DNS:api.example.com, DNS:www.api.example.com, IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://example.com/api, email:pki@example.com',
      label,
    );
  }
});

test('openssl rejects a CSR whose signature no longer matches (so the check above can fail)', async (t) => {
  const openssl = requireProgram(t, 'openssl', 'openssl');
  if (!openssl) return;
  const csr = await createCsr(NAMES, await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));
  const tampered = tamperWithName(csr);
  const out = spawnSync(openssl, ['req', '-verify', '-noout'], { input: tampered, encoding: 'utf8' });
  // openssl 3.0 exits 0 either way; only its message tells success from failure.
  assert.match(out.stderr + out.stdout, /verify failure/);
  assert.doesNotMatch(out.stderr + out.stdout, /verify OK/);
  await assert.rejects(readCsr(tampered), /not signed by the key it carries/);
});

test('readCsr returns the key and names, and checks the self-signature', async () => {
  for (const type of KEY_TYPES) {
    const key = await generatePrivateKey(type);
    const parsed = await readCsr(await createCsr(NAMES, key));
    assert.ok(samePublicKey(parsed.publicKey, key.publicKey));
    assert.equal(parsed.commonName, 'api.example.com');
    assert.deepEqual(parsed.dnsNames, NAMES.dnsNames);
    assert.deepEqual(parsed.uris, NAMES.uris);
    assert.deepEqual(parsed.emailAddresses, NAMES.emailAddresses);
    assert.equal(parsed.ipAddresses.length, 2);
    assert.equal(parsed.ipAddresses[0], '192.0.2.10');
  }
  await assert.rejects(readCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'), /does not parse/);
});

test('CN: commonName, else the first DNS name; a name too long for a CN is left to the SAN, which turns critical', async (t) => {
  assert.equal(subjectCommonName({ ...NAMES, commonName: undefined }), 'api.example.com');
  assert.throws(() => subjectCommonName({ ...NAMES, commonName: 'x'.repeat(65) }), /65 characters long; X.509 allows at most 64/);
  const long = `${'a'.repeat(60)}.example.com`;
  const names: CertificateNames = { dnsNames: [long], ipAddresses: [], uris: [], emailAddresses: [] };
  assert.equal(subjectCommonName(names), undefined);
  const csr = await createCsr(names, await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));
  const parsed = await readCsr(csr);
  assert.equal(parsed.commonName, undefined);
  assert.deepEqual(parsed.dnsNames, [long]);
  const openssl = requireProgram(t, 'openssl', 'openssl');
  if (!openssl) return;
  const out = spawnSync(openssl, ['req', '-noout', '-text'], { input: csr, encoding: 'utf8' });
  assert.match(out.stdout, /X509v3 Subject Alternative Name: critical/);
});

test('bad names are refused with the field named', async () => {
  const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const base: CertificateNames = { dnsNames: ['a.example'], ipAddresses: [], uris: [], emailAddresses: [] };
  await assert.rejects(createCsr({ ...base, ipAddresses: ['10.0.0.300'] }, key), /ipAddresses: "10.0.0.300" is not an IPv4 or IPv6 address/);
  await assert.rejects(createCsr({ ...base, ipAddresses: ['fe80::1%eth0'] }, key), /zone id/);
  await assert.rejects(createCsr({ ...base, uris: ['not a uri'] }, key), /uris: "not a uri" is not an absolute URI/);
  await assert.rejects(createCsr({ dnsNames: [], ipAddresses: [], uris: [], emailAddresses: [] }, key), /names nothing/);
});

test('IPv6 with an embedded IPv4 address is encoded as the address it names', async (t) => {
  const openssl = requireProgram(t, 'openssl', 'openssl');
  if (!openssl) return;
  const names: CertificateNames = { dnsNames: ['a.example'], ipAddresses: ['::ffff:192.0.2.1', '2001:DB8:0::A'], uris: [], emailAddresses: [] };
  const csr = await createCsr(names, await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));
  const out: SpawnSyncReturns<string> = spawnSync(openssl, ['req', '-noout', '-text'], { input: csr, encoding: 'utf8' });
  assert.match(out.stdout, /IP Address:0:0:0:0:0:FFFF:C000:201, IP Address:2001:DB8:0:0:0:0:0:A\n/);
  assert.deepEqual((await readCsr(csr)).ipAddresses, ['::ffff:c000:201', '2001:db8::a']);
});

/** Changes one character of the CN inside the DER, leaving the signature as it was. */
function tamperWithName(csrPem: string): string {
  const der = Buffer.from(parsePem(csrPem)[0]!.der);
  const at = der.indexOf(Buffer.from('api.example.com'));
  assert.ok(at > 0);
  der[at] = 'b'.charCodeAt(0);
  return toPem('CERTIFICATE REQUEST', der);
}
