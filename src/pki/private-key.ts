import { createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { KeyAlgorithm, PrivateKeySpec } from '../manifest/types.js';
import { parsePem, toPem } from './pem.js';
import { subtle } from './x509.js';

const generateKeyPairAsync = promisify(generateKeyPairCallback);

/** The part of a PrivateKeySpec that decides what key to make. */
export type KeyType = Pick<PrivateKeySpec, 'algorithm' | 'size'>;

/** A key pair held in memory. The private half leaves memory only through age (src/keys/age.ts). */
export interface KeyPair {
  algorithm: KeyAlgorithm;
  /** RSA modulus bits, ECDSA curve bits (256, 384), 0 for Ed25519. */
  size: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The key types certops issues for; the values are the sizes each algorithm accepts. */
export const SUPPORTED_KEY_SIZES: Readonly<Record<KeyAlgorithm, readonly number[]>> = {
  RSA: [2048, 3072, 4096],
  ECDSA: [256, 384],
  Ed25519: [0],
};

/** Throws an Error naming the field and the accepted values when the spec asks for a key certops does not make. */
export function checkKeyType(spec: KeyType): void {
  const sizes = SUPPORTED_KEY_SIZES[spec.algorithm] as readonly number[] | undefined;
  if (!sizes) {
    throw new Error(`privateKey.algorithm "${String(spec.algorithm)}" is not supported: use RSA, ECDSA or Ed25519`);
  }
  // Ed25519 has one size; the manifest loader writes 0, but a stray size is harmless there.
  if (spec.algorithm === 'Ed25519') return;
  if (!sizes.includes(spec.size)) {
    throw new Error(`privateKey.size ${spec.size} is not supported for ${spec.algorithm}: use ${sizes.join(', ')}`);
  }
}

/** Makes a new key pair. Asynchronous so RSA generation runs on the thread pool, not the event loop. */
export async function generatePrivateKey(spec: KeyType): Promise<KeyPair> {
  checkKeyType(spec);
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  switch (spec.algorithm) {
    case 'RSA':
      pair = await generateKeyPairAsync('rsa', { modulusLength: spec.size, publicExponent: 0x10001 });
      break;
    case 'ECDSA':
      pair = await generateKeyPairAsync('ec', { namedCurve: spec.size === 384 ? 'P-384' : 'P-256' });
      break;
    case 'Ed25519':
      pair = await generateKeyPairAsync('ed25519');
      break;
  }
  return { algorithm: spec.algorithm, size: spec.algorithm === 'Ed25519' ? 0 : spec.size, ...pair };
}

/** PKCS#8 PEM (a PRIVATE KEY block): one format for every algorithm, which age then wraps. */
export function privateKeyToPem(pair: Pick<KeyPair, 'privateKey'>): string {
  return pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`). */
export function publicKeyToPem(pair: Pick<KeyPair, 'publicKey'>): string {
  return toPem('PUBLIC KEY', publicKeyDer(pair.publicKey));
}

export function publicKeyDer(key: KeyObject): Buffer {
  return key.export({ type: 'spki', format: 'der' });
}

/**
 * Reads a private key PEM back. PKCS#8 is what certops writes; the older RSA/EC PRIVATE KEY
 * forms are accepted too, so existing keys can be adopted. Passphrase-protected keys are refused:
 * age is the one encryption layer. Error messages never quote the input.
 */
export function loadPrivateKey(pem: string | Uint8Array): KeyPair {
  const text = typeof pem === 'string' ? pem : Buffer.from(pem).toString('utf8');
  const block = parsePem(text).find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!block) throw new Error('holds no PEM private key (expected a PKCS#8 PRIVATE KEY block)');
  if (block.label === 'ENCRYPTED PRIVATE KEY') {
    throw new Error('is a passphrase-protected private key; certops protects keys with age instead: decrypt it first');
  }
  const type = block.label === 'PRIVATE KEY' ? 'pkcs8' : block.label === 'RSA PRIVATE KEY' ? 'pkcs1' : block.label === 'EC PRIVATE KEY' ? 'sec1' : undefined;
  if (!type) throw new Error(`holds a "${block.label}" block, which certops does not read (expected PRIVATE KEY, PKCS#8)`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: block.der, format: 'der', type });
  } catch (err) {
    throw new Error(`holds a ${block.label} block that does not parse: ${(err as Error).message}`);
  }
  const kind = describeKey(privateKey);
  return { ...kind, privateKey, publicKey: createPublicKey(privateKey) };
}

/** Reads a SubjectPublicKeyInfo PEM. */
export function loadPublicKey(pem: string): KeyObject {
  const block = parsePem(pem).find((b) => b.label === 'PUBLIC KEY');
  if (!block) throw new Error('holds no PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  return createPublicKey({ key: block.der, format: 'der', type: 'spki' });
}

/** Algorithm and size of a key; throws for a key type certops does not issue for (DSA, RSA-PSS, P-521, Ed448...). */
export function describeKey(key: KeyObject): KeyType {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithm: 'RSA', size: details.modulusLength ?? 0 };
    case 'ec':
      if (details.namedCurve === 'prime256v1') return { algorithm: 'ECDSA', size: 256 };
      if (details.namedCurve === 'secp384r1') return { algorithm: 'ECDSA', size: 384 };
      throw new Error(`uses the elliptic curve ${details.namedCurve ?? 'unknown'}; certops supports P-256 and P-384`);
    case 'ed25519':
      return { algorithm: 'Ed25519', size: 0 };
    default:
      throw new Error(`is a ${key.asymmetricKeyType ?? 'unknown'} key; certops supports RSA, ECDSA (P-256, P-384) and Ed25519`);
  }
}

/** Whether an existing key satisfies a spec (rotationPolicy: Never keeps a key only while it does). */
export function keyMatchesType(pair: Pick<KeyPair, 'algorithm' | 'size'>, spec: KeyType): boolean {
  return pair.algorithm === spec.algorithm && (spec.algorithm === 'Ed25519' || pair.size === spec.size);
}

/** Whether two keys are the same public key (compared by SubjectPublicKeyInfo). */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const pa = a.type === 'private' ? createPublicKey(a) : a;
  const pb = b.type === 'private' ? createPublicKey(b) : b;
  return publicKeyDer(pa).equals(publicKeyDer(pb));
}

/** WebCrypto algorithm for importing a key, and the signature algorithm certops signs with it. */
function webCryptoAlgorithms(kind: KeyType): { importAlgorithm: RsaHashedImportParams | EcKeyImportParams | Algorithm; signingAlgorithm: Algorithm | EcdsaParams } {
  switch (kind.algorithm) {
    case 'RSA':
      // PKCS#1 v1.5 with SHA-256: what every TLS stack and CA accepts; PSS certificates are not.
      return { importAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } };
    case 'ECDSA': {
      // Pair the hash with the curve (P-384 with SHA-384), as RFC 5480 recommends and CAs expect.
      const curve = kind.size === 384 ? 'P-384' : 'P-256';
      const hash = kind.size === 384 ? 'SHA-384' : 'SHA-256';
      return { importAlgorithm: { name: 'ECDSA', namedCurve: curve }, signingAlgorithm: { name: 'ECDSA', hash } as EcdsaParams };
    }
    case 'Ed25519':
      return { importAlgorithm: { name: 'Ed25519' }, signingAlgorithm: { name: 'Ed25519' } };
  }
}

/**
 * The pair as WebCrypto keys for @peculiar/x509. Goes through PKCS#8/SPKI DER because
 * KeyObject.toCryptoKey only exists from Node 22.10, and the same path works on 20 and 24.
 * The private CryptoKey is not extractable: nothing downstream can export it again.
 */
export async function toWebCryptoKeys(pair: KeyPair): Promise<{ keys: CryptoKeyPair; signingAlgorithm: Algorithm | EcdsaParams }> {
  const { importAlgorithm, signingAlgorithm } = webCryptoAlgorithms(pair);
  const exported = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
  const privateDer = new Uint8Array(exported);
  try {
    const privateKey = await subtle.importKey('pkcs8', privateDer, importAlgorithm, false, ['sign']);
    const publicKey = await subtle.importKey('spki', new Uint8Array(publicKeyDer(pair.publicKey)), importAlgorithm, true, ['verify']);
    return { keys: { privateKey, publicKey }, signingAlgorithm };
  } finally {
    // Best effort: the DER copies are garbage anyway, but need not linger in memory until collected.
    exported.fill(0);
    privateDer.fill(0);
  }
}

