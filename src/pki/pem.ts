/** A PEM block: its label (CERTIFICATE, PRIVATE KEY, ...) and DER bytes. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n\t ]*?)-----END \1-----/g;
/** The block pattern's source, for code that must read PEM exactly as parsePem does where it cannot import it (another process). */
export const PEM_BLOCK_SOURCE = BLOCK.source;

/** All PEM blocks in a text, in order; text between blocks is ignored, as openssl does. */
export function parsePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) out.push({ label: m[1]!, der: Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64') });
  return out;
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Matches every PEM private-key label: PRIVATE KEY, RSA/EC/DSA/OPENSSH/ENCRYPTED PRIVATE KEY. */
export const PRIVATE_KEY_PEM = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----/;
