import { PRIVATE_KEY_PEM } from '../../pki/pem.js';
import { matchesGlob } from '../glob.js';
import type { Rule, RuleFinding } from '../types.js';
import { onlyKeys, stringList } from './params.js';

const PEM_KEY = Buffer.from('PRIVATE KEY-----');
const PKCS12_EXTENSIONS = /\.(p12|pfx)$/i;
/** OID 1.2.840.113549.1.7.1 (pkcs7-data), which every PKCS#12 PFX wraps its content in. */
const PKCS7_DATA_OID = Buffer.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]);

/** A DER PFX: SEQUENCE { INTEGER 3, SEQUENCE { pkcs7-data ... } }, sniffed from its first bytes. */
export function looksLikePkcs12(bytes: Buffer): boolean {
  if (bytes.length < 24 || bytes[0] !== 0x30) return false;
  const lenBytes = bytes[1]! & 0x80 ? bytes[1]! & 0x7f : 0;
  const at = 2 + lenBytes;
  if (bytes[at] !== 0x02 || bytes[at + 1] !== 0x01 || bytes[at + 2] !== 0x03) return false;
  return bytes.subarray(at + 3, at + 24).indexOf(PKCS7_DATA_OID) !== -1;
}

function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) line++;
  return line;
}

export const noPlaintextKeysRule: Rule = {
  id: 'no-plaintext-keys',
  summary: 'No private key in plaintext anywhere in the repository.',
  help: 'Delete the file, rotate the key (it is in git history now) and let certops store keys age-encrypted as certs/<name>/key.pem.age. Test fixtures can be allow-listed with allowPaths.',
  scope: 'repository',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, ['allowPaths'], problems);
    stringList(config, 'allowPaths', problems);
    return problems;
  },
  check(ctx, config) {
    const allow = (config.allowPaths as string[] | undefined) ?? [];
    const out: RuleFinding[] = [];
    for (const path of ctx.repo.list()) {
      if (path.endsWith('.age') || (allow.length && matchesGlob(path, allow))) continue;
      const bytes = ctx.repo.read(path);
      if (!bytes) continue;
      // The first "PRIVATE KEY-----" may be an END line or prose; the first that ends a BEGIN line counts.
      let begin = -1;
      let label: RegExpExecArray | null = null;
      for (let hit = bytes.indexOf(PEM_KEY); hit !== -1 && !label; hit = bytes.indexOf(PEM_KEY, hit + 1)) {
        begin = bytes.lastIndexOf('-----BEGIN', hit);
        if (begin !== -1) label = PRIVATE_KEY_PEM.exec(bytes.subarray(begin, hit + PEM_KEY.length).toString('latin1'));
      }
      if (label) {
        const encrypted = label[1]!.startsWith('ENCRYPTED');
        out.push({
          file: path,
          line: lineOf(bytes, begin),
          column: 1,
          message: encrypted
            ? `${path} holds a passphrase-encrypted private key (${label[0]}). Store keys age-encrypted instead (certs/<name>/key.pem.age), and allow-list the path only if it is a test fixture.`
            : `${path} holds a plaintext private key (${label[0]}). Remove it, rotate the key (it stays in git history) and let certops store keys age-encrypted.`,
        });
        continue;
      }
      if (PKCS12_EXTENSIONS.test(path) || looksLikePkcs12(bytes)) {
        out.push({ file: path, line: 1, column: 1, message: `${path} is a PKCS#12 bundle, which carries a private key. Remove it and rotate the key; certops stores keys age-encrypted.` });
      }
    }
    return out;
  },
};
