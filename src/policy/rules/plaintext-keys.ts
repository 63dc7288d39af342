import { matchesGlob } from '../glob.js';
import type { Rule, RuleFinding } from '../types.js';
import { onlyKeys, stringList } from './params.js';

const PKCS12_EXTENSIONS = /\.(p12|pfx)$/i;

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
      const scan = ctx.files.scan(path);
      if (!scan) continue;
      const key = scan.privateKey;
      if (key) {
        out.push({
          file: path,
          line: key.line,
          column: 1,
          message: key.encrypted
            ? `${path} holds a passphrase-encrypted private key (${key.label}). Store keys age-encrypted instead (certs/<name>/key.pem.age), and allow-list the path only if it is a test fixture.`
            : `${path} holds a plaintext private key (${key.label}). Remove it, rotate the key (it stays in git history) and let certops store keys age-encrypted.`,
        });
        continue;
      }
      if (PKCS12_EXTENSIONS.test(path) || scan.pkcs12) {
        out.push({ file: path, line: 1, column: 1, message: `${path} is a PKCS#12 bundle, which carries a private key. Remove it and rotate the key; certops stores keys age-encrypted.` });
      }
    }
    return out;
  },
};
