const BINARY_HEADER = Buffer.from('age-encryption.org/v1\n');
const ARMOR_HEADER = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----');

/** Whether bytes are an age file, binary or ASCII-armored. Reads the header only. */
export function isAgeFile(bytes: Uint8Array): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buf.subarray(0, 64).toString('latin1').trimStart();
  return buf.subarray(0, BINARY_HEADER.length).equals(BINARY_HEADER) || start.startsWith(ARMOR_HEADER.toString('latin1'));
}
