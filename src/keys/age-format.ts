/**
 * Recognising age files by their header, without the age library: lint needs only this, and
 * keeping it apart keeps the crypto out of the lint bundle.
 */
export const BINARY_HEADER = 'age-encryption.org/v1\n';
export const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';

/**
 * Whether the data is an age file, binary (`age-encryption.org/v1` header line) or armored.
 * Leading whitespace before the armor is allowed, as the age CLI allows it.
 */
export function isAgeEncrypted(data: Uint8Array | string): boolean {
  // latin1 maps each byte to one character, so binary ciphertext cannot throw or shift offsets.
  const head = typeof data === 'string' ? data.slice(0, 256) : Buffer.from(data.subarray(0, 256)).toString('latin1');
  return head.startsWith(BINARY_HEADER) || head.trimStart().startsWith(ARMOR_BEGIN);
}

/** Whether the data is ASCII-armored age (as certops writes it). */
export function isArmoredAge(data: Uint8Array | string): boolean {
  const head = typeof data === 'string' ? data.slice(0, 256) : Buffer.from(data.subarray(0, 256)).toString('latin1');
  return head.trimStart().startsWith(ARMOR_BEGIN);
}

