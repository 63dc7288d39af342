import type { Issuer } from '../issuers/types.js';
import { decryptPrivateKey, encryptPrivateKey } from '../keys/age.js';
import { lockEntryFor } from '../manifest/lock-entry.js';
import { LOCK_FILE, type LockEntry } from '../manifest/lock-file.js';
import { readRepoFile } from '../repo/confined-io.js';
import type { CertificateSpec } from '../manifest/types.js';
import { readCertificateChain } from '../pki/certificate-info.js';
import { createCsr } from '../pki/csr.js';
import { generatePrivateKey, keyMatchesType, loadPrivateKey, privateKeyToPem, publicKeyToPem, samePublicKey, type KeyPair } from '../pki/private-key.js';

export interface IssueCertificateInput {
  spec: CertificateSpec;
  issuer: Issuer;
  repoDir: string;
  /** The entry now in the lock file, if any: its key is reused under rotationPolicy Never. */
  existing?: LockEntry;
  /** A new key even under rotationPolicy Never (first issue, retired key). */
  rotateKey: boolean;
  recipients: readonly string[];
  identity?: string;
  now: Date;
  issuedBy?: string;
  /** RFC 9773 id of the certificate this one replaces. */
  replaces?: string;
}

export interface IssuedFiles {
  entry: LockEntry;
  /** Repository files to write: the certificate and, when the key changed, the encrypted key. */
  files: { path: string; content: string }[];
  keyReused: boolean;
}

export function certificatePaths(name: string): { certificate: string; key: string } {
  return { certificate: `certs/${name}/cert.pem`, key: `certs/${name}/key.pem.age` };
}

/**
 * Issues one certificate: key (new, or the existing one under rotationPolicy Never), CSR, the
 * issuer, then the key encrypted to the recipients. The plaintext key exists only in memory.
 */
export async function issueCertificate(input: IssueCertificateInput): Promise<IssuedFiles> {
  const { spec } = input;
  const paths = certificatePaths(spec.name);
  if (input.recipients.length === 0) throw new Error('certificates.yaml lists no recipients: add the age recipient(s) that may decrypt private keys (recipients: [age1...]).');
  let key: KeyPair | undefined;
  let keyReused = false;
  if (spec.privateKey.rotationPolicy === 'Never' && !input.rotateKey && input.existing) {
    if (!input.identity) throw new Error(`rotationPolicy Never reuses the existing key, which is age-encrypted: give the age identity (--identity-file, or the identity input).`);
    const pem = await decryptPrivateKey(readRepoFile(input.repoDir, input.existing.key, `${LOCK_FILE} ${spec.name}.key`), input.identity);
    const existing = loadPrivateKey(pem);
    if (keyMatchesType(existing, spec.privateKey)) {
      key = existing;
      keyReused = true;
    }
  }
  key ??= await generatePrivateKey(spec.privateKey);
  const csrPem = await createCsr(spec, key);
  const issued = await input.issuer.obtain({
    spec,
    csrPem,
    publicKeyPem: publicKeyToPem(key),
    now: input.now,
    ...(input.replaces ? { replaces: input.replaces } : {}),
  });
  const leaf = readCertificateChain(issued.certificatePem)[0]!;
  if (!samePublicKey(leaf.publicKey, key.publicKey)) throw new Error(`the issuer returned a certificate for another key; refusing it.`);
  const files = [{ path: paths.certificate, content: issued.certificatePem }];
  if (!keyReused) files.push({ path: paths.key, content: await encryptPrivateKey(privateKeyToPem(key), input.recipients) });
  const entry = lockEntryFor({
    spec,
    certificatePem: issued.certificatePem,
    certificatePath: paths.certificate,
    keyPath: paths.key,
    issuedAt: input.now,
    ...(input.issuedBy ? { issuedBy: input.issuedBy } : {}),
    ...(issued.ariCertId ? { ariCertId: issued.ariCertId } : {}),
  });
  return { entry, files, keyReused };
}
