import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { generateKeyPairSync, sign, verify, webcrypto } from 'node:crypto';
import { test } from 'node:test';
import type { KeyType } from '../../src/pki/private-key.js';
import {
  checkKeyType,
  describeKey,
  generatePrivateKey,
  keyMatchesType,
  loadPrivateKey,
  privateKeyToPem,
  publicKeyToPem,
  samePublicKey,
  toWebCryptoKeys,
} from '../../src/pki/private-key.js';
import { requireProgram } from '../helpers/system.js';

const KEY_TYPES: KeyType[] = [
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'RSA', size: 3072 },
  { algorithm: 'RSA', size: 4096 },
  { algorithm: 'Ed25519', size: 0 },
];

for (const type of KEY_TYPES) {
  test(`generates ${type.algorithm} ${type.size} as PKCS#8 and loads it back`, async () => {
    const pair = await generatePrivateKey(type);
    assert.deepEqual(describeKey(pair.privateKey), type);
    assert.deepEqual({ algorithm: pair.algorithm, size: pair.size }, type);

    const pem = privateKeyToPem(pair);
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.match(publicKeyToPem(pair), /^-----BEGIN PUBLIC KEY-----\n/);

    const loaded = loadPrivateKey(pem);
    assert.deepEqual({ algorithm: loaded.algorithm, size: loaded.size }, type);
    assert.ok(samePublicKey(loaded.publicKey, pair.publicKey));
    assert.ok(keyMatchesType(loaded, type));
  });
}

test('openssl reads the PKCS#8 keys we write', async (t) => {
  const openssl = requireProgram(t, 'openssl', 'openssl');
  if (!openssl) return;
  const expected: Record<string, RegExp> = {
    'ECDSA 256': /ASN1 OID: prime256v1/,
    'ECDSA 384': /ASN1 OID: secp384r1/,
    'RSA 2048': /Private-Key: \(2048 bit, 2 primes\)/,
    'Ed25519 0': /ED25519 Private-Key/,
  };
  for (const [name, pattern] of Object.entries(expected)) {
    const [algorithm, size] = name.split(' ') as [KeyType['algorithm'], string];
    const pem = privateKeyToPem(await generatePrivateKey({ algorithm, size: Number(size) }));
    // Through stdin: the plaintext key never touches the disk.
    const out: SpawnSyncReturns<string> = spawnSync(openssl, ['pkey', '-noout', '-text'], { input: pem, encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, pattern, name);
  }
});

test('the WebCrypto keys sign what node:crypto verifies with the same key', async () => {
  for (const type of [KEY_TYPES[0]!, KEY_TYPES[1]!, KEY_TYPES[2]!, KEY_TYPES[5]!]) {
    const pair = await generatePrivateKey(type);
    const { keys, signingAlgorithm } = await toWebCryptoKeys(pair);
    assert.equal(keys.privateKey.extractable, false, 'the private CryptoKey must not be exportable');
    const data = new TextEncoder().encode('certops');
    const signature = Buffer.from(await webcrypto.subtle.sign(signingAlgorithm as webcrypto.AlgorithmIdentifier, keys.privateKey as webcrypto.CryptoKey, data));
    const hash = type.algorithm === 'Ed25519' ? null : type.size === 384 ? 'sha384' : 'sha256';
    const options = type.algorithm === 'ECDSA' ? { key: pair.publicKey, dsaEncoding: 'ieee-p1363' as const } : pair.publicKey;
    assert.ok(verify(hash, data, options, signature), `${type.algorithm} ${type.size}`);
  }
});

test('refuses key types certops does not issue, naming the accepted ones', async () => {
  assert.throws(() => checkKeyType({ algorithm: 'RSA', size: 1024 }), /privateKey.size 1024 is not supported for RSA: use 2048, 3072, 4096/);
  assert.throws(() => checkKeyType({ algorithm: 'ECDSA', size: 521 }), /privateKey.size 521 is not supported for ECDSA: use 256, 384/);
  assert.throws(() => checkKeyType({ algorithm: 'DSA' as KeyType['algorithm'], size: 2048 }), /"DSA" is not supported: use RSA, ECDSA or Ed25519/);
  await assert.rejects(generatePrivateKey({ algorithm: 'RSA', size: 1024 }), /not supported/);
  assert.doesNotThrow(() => checkKeyType({ algorithm: 'Ed25519', size: 0 }));
});

test('loadPrivateKey: adopts SEC1 and PKCS#1 keys, refuses the rest with messages that never quote the key', async () => {
  const ec = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  assert.match(sec1, /BEGIN EC PRIVATE KEY/);
  assert.ok(samePublicKey(loadPrivateKey(sec1).publicKey, ec.publicKey));

  const rsa = await generatePrivateKey({ algorithm: 'RSA', size: 2048 });
  const pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  assert.equal(loadPrivateKey(pkcs1).size, 2048);

  const encrypted = ec.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }).toString();
  assert.throws(() => loadPrivateKey(encrypted), /passphrase-protected .* age/);
  assert.throws(() => loadPrivateKey('hello'), /holds no PEM private key/);

  const damaged = privateKeyToPem(ec).replace(/\n[A-Za-z0-9+/]{20}/, '\nAAAAAAAAAAAAAAAAAAAA');
  try {
    loadPrivateKey(damaged);
    assert.fail('a damaged key loaded');
  } catch (err) {
    assert.match((err as Error).message, /does not parse/);
    assert.doesNotMatch((err as Error).message, /BEGIN|[A-Za-z0-9+/]{40}/);
  }

  const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey;
  assert.throws(() => describeKey(p521), /secp521r1; certops supports P-256 and P-384/);
  assert.throws(() => loadPrivateKey(privateKeyToPem({ privateKey: p521 })), /secp521r1/);
});

test('keyMatchesType tells a reusable key from one the spec no longer wants', async () => {
  const pair = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  assert.ok(keyMatchesType(pair, { algorithm: 'ECDSA', size: 256 }));
  assert.ok(!keyMatchesType(pair, { algorithm: 'ECDSA', size: 384 }));
  assert.ok(!keyMatchesType(pair, { algorithm: 'RSA', size: 256 }));
  const other = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  assert.ok(!samePublicKey(pair.publicKey, other.publicKey));
  assert.ok(samePublicKey(pair.privateKey, pair.publicKey));
  // The loaded key must be a usable private key, not only its public half.
  assert.ok(sign('sha256', Buffer.from('x'), loadPrivateKey(privateKeyToPem(pair)).privateKey).length > 0);
});
