import { PRIVATE_KEY_PEM } from '../pki/pem.js';

const PEM_PRIVATE_BLOCK = new RegExp(`${PRIVATE_KEY_PEM.source}[\\s\\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`, 'g');

/**
 * Output of a user's command or of ssh, made fit for a log: any PEM private key block, and any
 * line of the given secrets (a key's base64 lines, an identity), is replaced by a marker. A
 * command that prints the key it was given must not put it in the job log.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(PEM_PRIVATE_BLOCK, '[private key redacted]');
  for (const secret of secrets) {
    const lines = secret.split(/\r?\n/);
    for (const line of lines) {
      const piece = line.trim();
      // Short lines of a longer secret (PEM headers, blank lines) are not secret, and replacing them
      // would mangle the text; a one-line secret (a TSIG key, a token) goes down to 8 characters.
      const long = piece.length >= 16 || (lines.length === 1 && piece.length >= 8);
      if (long && !piece.startsWith('-----')) out = out.split(piece).join('[redacted]');
    }
  }
  return out;
}
