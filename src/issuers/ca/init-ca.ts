import { encryptPrivateKey } from '../../keys/age.js';
import { toPem } from '../../pki/pem.js';
import { generatePrivateKey, privateKeyToPem, publicKeyDer, toWebCryptoKeys, type KeyType } from '../../pki/private-key.js';
import { x509 } from '../../pki/x509.js';
import { assertWritable, confinedPath, repoFileExists, writeRepoFile } from '../../repo/confined-io.js';
import { DEFAULT_BACKDATE_MS, floorToSecond, randomSerialNumber } from './certificate-fields.js';
import { loadSigningCa } from './signing-ca.js';

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export interface InitCaOptions {
  /** Subject CN of the root, e.g. "Example Internal Root CA". */
  commonName: string;
  /** Subject O of the root and the intermediate. */
  organization?: string;
  /** The root's key. Default ECDSA P-384: a long-lived key, and every TLS stack verifies it. */
  key?: KeyType;
  /** Root lifetime. Default 10 years. */
  validityMs?: number;
  /**
   * Also make an intermediate that signs the leaves, so the root key can stay untouched.
   * `true` takes the defaults (CN "<root CN> Intermediate", the root's key type, 5 years,
   * never past the root).
   */
  intermediate?: boolean | { commonName?: string; key?: KeyType; validityMs?: number };
  /** The clock. Default: now. */
  now?: Date;
  /** notBefore margin before `now`. Default 5 minutes (see DEFAULT_BACKDATE_MS). */
  backdateMs?: number;
}

/** A CA certificate and its key, PEM. The key is plaintext: encrypt it (writeCaFiles) before it touches disk. */
export interface CaCertificateAndKey {
  certificatePem: string;
  privateKeyPem: string;
}

export interface CaBundle {
  root: CaCertificateAndKey;
  intermediate?: CaCertificateAndKey;
}

/** The CA that signs leaves: the intermediate when there is one, else the root. */
export function issuingCa(ca: CaBundle): CaCertificateAndKey {
  return ca.intermediate ?? ca.root;
}

/**
 * Creates a root CA and, if asked, an intermediate under it. Both carry basicConstraints
 * CA:TRUE (critical) with a path length that allows exactly the chain made here, keyUsage
 * keyCertSign + cRLSign (critical) and a subjectKeyIdentifier; the intermediate names the root's
 * key in its authorityKeyIdentifier.
 */
export async function initCa(options: InitCaOptions): Promise<CaBundle> {
  if (!options.commonName?.trim()) throw new Error('the CA needs a commonName');
  const now = options.now ?? new Date();
  const backdateMs = options.backdateMs ?? DEFAULT_BACKDATE_MS;
  const rootKeyType = options.key ?? { algorithm: 'ECDSA', size: 384 };
  const intermediate = options.intermediate === true ? {} : options.intermediate || undefined;

  const notBefore = floorToSecond(new Date(now.getTime() - backdateMs));
  const rootNotAfter = floorToSecond(new Date(now.getTime() + (options.validityMs ?? 10 * YEAR_MS)));
  const rootKey = await generatePrivateKey(rootKeyType);
  const { keys: rootKeys, signingAlgorithm } = await toWebCryptoKeys(rootKey);
  const rootName = caName(options.commonName, options.organization);
  // A root that signs leaves directly needs no room below it; one with an intermediate needs one level.
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: rootName,
    notBefore,
    notAfter: rootNotAfter,
    keys: rootKeys,
    signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, intermediate ? 1 : 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(new Uint8Array(publicKeyDer(rootKey.publicKey))),
    ],
  });
  const rootPair: CaCertificateAndKey = { certificatePem: toPem('CERTIFICATE', new Uint8Array(root.rawData)), privateKeyPem: privateKeyToPem(rootKey) };
  if (!intermediate) return { root: rootPair };

  const signer = await loadSigningCa(rootPair.certificatePem, rootKey);
  const intermediateKey = await generatePrivateKey(intermediate.key ?? rootKeyType);
  const intermediateNotAfter = new Date(Math.min(rootNotAfter.getTime(), floorToSecond(new Date(now.getTime() + (intermediate.validityMs ?? 5 * YEAR_MS))).getTime()));
  const spki = new Uint8Array(publicKeyDer(intermediateKey.publicKey));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: caName(intermediate.commonName ?? `${options.commonName} Intermediate`, options.organization),
    issuer: signer.certificate.subjectName,
    notBefore,
    notAfter: intermediateNotAfter,
    publicKey: spki,
    signingKey: signer.signingKey,
    signingAlgorithm: signer.signingAlgorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(spki),
      new x509.AuthorityKeyIdentifierExtension(signer.keyIdentifier),
    ],
  });
  return {
    root: rootPair,
    intermediate: { certificatePem: toPem('CERTIFICATE', new Uint8Array(cert.rawData)), privateKeyPem: privateKeyToPem(intermediateKey) },
  };
}

function caName(commonName: string, organization: string | undefined): x509.JsonName {
  return organization ? [{ O: [organization] }, { CN: [commonName] }] : [{ CN: [commonName] }];
}

/** Where `certops ca init` puts the CA in the repository (repository-relative, `/`-separated). */
export interface CaFilePaths {
  /** The issuing CA's certificate: the manifest's `ca.certificate`. */
  certificate: string;
  /** The issuing CA's key, age-encrypted: the manifest's `ca.privateKey`. */
  privateKey: string;
  /** The root certificate, when an intermediate issues (what relying parties trust). */
  rootCertificate: string;
  /** The root key, age-encrypted, when an intermediate issues and the root key is kept. */
  rootPrivateKey: string;
}

export const DEFAULT_CA_FILE_PATHS: CaFilePaths = {
  certificate: 'pki/ca.pem',
  privateKey: 'pki/ca.key.age',
  rootCertificate: 'pki/root.pem',
  rootPrivateKey: 'pki/root.key.age',
};

export interface WriteCaFilesOptions {
  repoDir: string;
  ca: CaBundle;
  /** age recipients (age1...) the keys are encrypted to: the manifest's `recipients`. */
  recipients: readonly string[];
  paths?: Partial<CaFilePaths>;
  /** Replace CA files that already exist. Without it, an existing CA is never overwritten. */
  force?: boolean;
  /**
   * With an intermediate: do not keep the root key at all. Safer (the root can never sign
   * again), but a new intermediate then needs a new root. Default: keep it, age-encrypted.
   */
  discardRootKey?: boolean;
}

/** What writeCaFiles wrote: the `ca:` block for certificates.yaml, and the root's files if separate. */
export interface WrittenCaFiles {
  issuer: { certificate: string; privateKey: string };
  rootCertificate?: string;
  rootPrivateKey?: string;
  /** Every file written, repository-relative. */
  files: string[];
}

/**
 * Writes the CA into a repository: certificates as PEM, keys only age-encrypted (encryption
 * happens in memory before anything is written). Every target is checked before the first
 * write, so a refusal leaves the repository as it was.
 */
export async function writeCaFiles(options: WriteCaFilesOptions): Promise<WrittenCaFiles> {
  const paths = { ...DEFAULT_CA_FILE_PATHS, ...options.paths };
  const issuing = issuingCa(options.ca);
  const planned: Array<{ path: string; field: string; content: string; mode: number }> = [
    { path: paths.certificate, field: 'certificate', content: issuing.certificatePem, mode: 0o644 },
    { path: paths.privateKey, field: 'privateKey', content: await encryptPrivateKey(issuing.privateKeyPem, options.recipients), mode: 0o600 },
  ];
  if (options.ca.intermediate) {
    planned.push({ path: paths.rootCertificate, field: 'rootCertificate', content: options.ca.root.certificatePem, mode: 0o644 });
    if (!options.discardRootKey) {
      planned.push({ path: paths.rootPrivateKey, field: 'rootPrivateKey', content: await encryptPrivateKey(options.ca.root.privateKeyPem, options.recipients), mode: 0o600 });
    }
  }
  for (const p of planned) assertWritable(options.repoDir, p.path, p.field);
  if (new Set(planned.map((p) => confinedPath(p.path, p.field))).size !== planned.length) throw new Error('two CA files were given the same path');
  if (!options.force) {
    const existing = planned.filter((p) => repoFileExists(options.repoDir, p.path, p.field)).map((p) => p.path);
    if (existing.length > 0) {
      throw new Error(`a CA already exists (${existing.join(', ')}); replacing it would orphan every certificate it issued. Pass --force to replace it`);
    }
  }
  // Without --force, a file another process created since the check is not replaced either.
  for (const p of planned) writeRepoFile(options.repoDir, p.path, p.content, { mode: p.mode, exclusive: !options.force, field: p.field });
  const out: WrittenCaFiles = { issuer: { certificate: paths.certificate, privateKey: paths.privateKey }, files: planned.map((p) => p.path) };
  if (options.ca.intermediate) {
    out.rootCertificate = paths.rootCertificate;
    if (!options.discardRootKey) out.rootPrivateKey = paths.rootPrivateKey;
  }
  return out;
}
