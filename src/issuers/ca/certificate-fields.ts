import { randomBytes } from 'node:crypto';

/**
 * A random serial as hex: 16 bytes, 126 of them random (CA/Browser Forum asks for at least 64
 * bits from a CSPRNG). The first byte is forced into 0x40..0x7f: a clear high bit keeps the DER
 * INTEGER positive without a 0x00 pad, and a non-zero first byte keeps the encoding minimal, so
 * every serial is exactly 16 bytes long.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/** X.509 validity has whole seconds; rounding here keeps what we return equal to what is encoded. */
export function floorToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/**
 * How far notBefore is set before the moment of issuance. A relying party whose clock runs a
 * little behind the runner's would otherwise see a fresh certificate as "not yet valid" in the
 * minutes after a deploy. Five minutes covers ordinary unsynchronised clocks (cfssl uses the
 * same margin) while keeping the extra lifetime negligible.
 */
export const DEFAULT_BACKDATE_MS = 5 * 60 * 1000;
