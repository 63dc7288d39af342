import { AgeError, decryptPrivateKey } from '../keys/age.js';
import type { LockEntry } from '../manifest/lock-file.js';
import type { CertificateSpec } from '../manifest/types.js';
import { staysInRepo } from '../repo/repo-path.js';
import { errorText } from './delivery.js';
import { DeployMaterial } from './material.js';

/** Reads a repository file by its repository path: the working tree, or a revision. */
export type RepoReader = (path: string) => Buffer | undefined;

/**
 * The material for a lock entry: the certificate file, checked against the lock's fingerprint
 * (the lock is what the merge approved), and the key, decrypted in memory with the age
 * identity. Throws an Error whose message names the file and the fix; never key material.
 */
export async function loadMaterial(name: string, entry: LockEntry, read: RepoReader, identity: string, spec?: CertificateSpec): Promise<DeployMaterial> {
  for (const path of [entry.certificate, entry.key]) {
    // The lock comes from a pull request: it must not make the deploy read files outside the repository.
    if (!staysInRepo(path)) throw new Error(`the lock file names "${path}" for ${name}, which is outside the repository`);
  }
  const certBytes = read(entry.certificate);
  if (!certBytes) throw new Error(`${entry.certificate}, named in the lock file for ${name}, does not exist`);
  const keyBytes = read(entry.key);
  if (!keyBytes) throw new Error(`${entry.key}, named in the lock file for ${name}, does not exist`);
  let keyPem: string;
  try {
    keyPem = await decryptPrivateKey(new Uint8Array(keyBytes), identity);
  } catch (err) {
    const why = err instanceof AgeError ? err.message : errorText(err);
    throw new Error(`${entry.key} cannot be decrypted: ${why}`);
  }
  let material: DeployMaterial;
  try {
    const input = { name, certificatePem: certBytes.toString('utf8'), keyPem };
    material = new DeployMaterial(spec ? { ...input, names: { ...(spec.commonName !== undefined ? { commonName: spec.commonName } : {}), dnsNames: spec.dnsNames } } : input);
  } catch (err) {
    throw new Error(`${entry.certificate} ${errorText(err)}`);
  }
  if (material.sha256 !== entry.sha256) {
    throw new Error(`${entry.certificate} holds the certificate with SHA-256 ${material.sha256}, but the lock file says ${entry.sha256}: the files and the lock disagree (run \`certops lint\`), so nothing is deployed`);
  }
  return material;
}
