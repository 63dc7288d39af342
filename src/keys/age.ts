// age encryption of private keys (https://age-encryption.org/v1), through age-encryption.
//
// Files are written ASCII-armored (-----BEGIN AGE ENCRYPTED FILE-----):
// - `age -d` reads armored and binary input alike (age >= 1.0 detects the armor), so nothing is
//   lost for the deploy job or a human with the CLI;
// - a rotated key then shows in a pull request as a text change instead of "Binary files differ",
//   git needs no .gitattributes, and the file can be pasted into a secret or an issue intact;
// - the armor label does not end in "PRIVATE KEY", so secret scanners and our own lint
//   (PRIVATE_KEY_PEM) do not mistake the encrypted file for a plaintext key.
// The cost, a third more bytes on a file of about 500, does not matter.
import { Decrypter, Encrypter, armor, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { PRIVATE_KEY_PEM } from '../pki/pem.js';
import { ARMOR_BEGIN, BINARY_HEADER, isAgeEncrypted, isArmoredAge } from './age-format.js';

export { isAgeEncrypted, isArmoredAge } from './age-format.js';

export type AgeErrorCode =
  /** The manifest lists no recipients, so nobody could ever decrypt. */
  | 'no-recipients'
  /** A recipient string is not an age recipient. */
  | 'invalid-recipient'
  /** The identity text holds no identity. */
  | 'no-identity'
  /** A line of the identity text is not a well-formed age identity. */
  | 'invalid-identity'
  /** The data is not an age file at all. */
  | 'not-age'
  /** The file is age, but encrypted to recipients none of the identities belongs to. */
  | 'wrong-identity'
  /** The file is age, but damaged or tampered with (armor, header, MAC or payload). */
  | 'corrupt'
  /** It decrypts, but not to what the caller expected (e.g. not a private key). */
  | 'unexpected-content';

/** An age failure with a code to branch on and a message fit for a user; never holds secret material. */
export class AgeError extends Error {
  constructor(
    readonly code: AgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AgeError';
  }
}

/**
 * Encrypts to every recipient (age1... X25519 public keys) and returns the armored file text.
 * Throws AgeError 'no-recipients' or 'invalid-recipient' (naming the recipient: they are public).
 */
export async function encryptForRecipients(plaintext: string | Uint8Array, recipients: readonly string[]): Promise<string> {
  const unique = [...new Set(recipients.map((r) => (typeof r === 'string' ? r.trim() : r)))];
  if (unique.length === 0) {
    throw new AgeError(
      'no-recipients',
      'no age recipients are configured, so nobody could decrypt the key: add the public key of the deploy identity ' +
        '(age1..., printed by `age-keygen -y identity.txt`) to `recipients:` in certificates.yaml',
    );
  }
  const encrypter = new Encrypter();
  unique.forEach((recipient, i) => {
    try {
      if (typeof recipient !== 'string' || !recipient.startsWith('age1')) throw new Error('not age1...');
      encrypter.addRecipient(recipient);
    } catch {
      throw new AgeError(
        'invalid-recipient',
        `recipient ${i + 1} ("${String(recipient)}") is not an age recipient: expected an X25519 public key, age1... as printed by age-keygen`,
      );
    }
  });
  return armor.encode(await encrypter.encrypt(plaintext));
}

/**
 * The identities in an identity text: the content of an age identity file (age-keygen output,
 * `#` comments and blank lines allowed) or a bare AGE-SECRET-KEY-1... string from a secret.
 * Errors name the line, never its content.
 */
export function parseIdentities(text: string): string[] {
  const identities: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!/^AGE-SECRET-KEY-(PQ-)?1[0-9A-Z]+$/.test(line)) {
      throw new AgeError('invalid-identity', `line ${i + 1} of the age identity is not an identity: expected AGE-SECRET-KEY-1... (the output of age-keygen)`);
    }
    identities.push(line);
  });
  if (identities.length === 0) throw new AgeError('no-identity', 'the age identity is empty: expected AGE-SECRET-KEY-1... (the output of age-keygen)');
  return identities;
}

/** The recipient (public key) of each identity in an identity text. */
export async function identityRecipients(identityText: string): Promise<string[]> {
  const out: string[] = [];
  for (const [i, identity] of parseIdentities(identityText).entries()) {
    try {
      out.push(await identityToRecipient(identity));
    } catch {
      throw new AgeError('invalid-identity', `identity ${i + 1} does not decode (wrong length or checksum): check the secret was copied whole`);
    }
  }
  return out;
}

/** A new X25519 identity and its recipient. X25519, not the hybrid post-quantum kind: age 1.1 cannot read those. */
export async function generateAgeIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/**
 * Decrypts an age file (armored or binary) with the identities in an identity text. Binary
 * input should come as bytes; as a string it must have been decoded as latin1.
 * Throws AgeError: 'not-age', 'no-identity', 'invalid-identity', 'wrong-identity', 'corrupt'.
 */
export async function decryptWithIdentity(file: string | Uint8Array, identityText: string): Promise<Uint8Array> {
  if (!isAgeEncrypted(file)) {
    throw new AgeError('not-age', `is not an age-encrypted file (expected "${BINARY_HEADER.trim()}" or "${ARMOR_BEGIN}" at the start)`);
  }
  const recipients = await identityRecipients(identityText);
  const decrypter = new Decrypter();
  for (const identity of parseIdentities(identityText)) decrypter.addIdentity(identity);

  let binary: Uint8Array;
  if (isArmoredAge(file)) {
    try {
      binary = armor.decode(typeof file === 'string' ? file : Buffer.from(file).toString('latin1'));
    } catch (err) {
      throw new AgeError('corrupt', `its ASCII armor is damaged (${(err as Error).message})`);
    }
  } else {
    binary = typeof file === 'string' ? Buffer.from(file, 'latin1') : file;
  }

  try {
    return await decrypter.decrypt(binary);
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    // age-encryption has no error codes; this is its wording for "no stanza is for these identities".
    if (/no identity matched/i.test(message)) {
      throw new AgeError(
        'wrong-identity',
        `it is encrypted to other recipients: the given identity (recipient ${recipients.join(', ')}) cannot decrypt it. ` +
          'Use the identity whose public key is in certificates.yaml `recipients:`, or re-encrypt the file after adding this one',
      );
    }
    throw new AgeError('corrupt', `it does not decrypt: the file is damaged or was altered (${message})`);
  }
}

/** Encrypts a private key PEM for the repository. Refuses input that is not a PEM private key. */
export async function encryptPrivateKey(privateKeyPem: string, recipients: readonly string[]): Promise<string> {
  if (!PRIVATE_KEY_PEM.test(privateKeyPem)) throw new AgeError('unexpected-content', 'refusing to encrypt: the input is not a PEM private key');
  return encryptForRecipients(privateKeyPem, recipients);
}

/**
 * Decrypts a key written by encryptPrivateKey (or by `age -r ... key.pem`), returning the PEM.
 * The plaintext stays in memory; callers must not write it into the repository.
 */
export async function decryptPrivateKey(file: string | Uint8Array, identityText: string): Promise<string> {
  const pem = Buffer.from(await decryptWithIdentity(file, identityText)).toString('utf8');
  if (!PRIVATE_KEY_PEM.test(pem)) throw new AgeError('unexpected-content', 'decrypts, but not to a PEM private key');
  return pem;
}
