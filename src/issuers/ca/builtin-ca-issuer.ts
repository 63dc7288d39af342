import { decryptPrivateKey, isAgeEncrypted } from '../../keys/age.js';
import type { IssuerSpec } from '../../manifest/types.js';
import { readCsr, subjectAltNames, subjectCommonName, subjectName } from '../../pki/csr.js';
import { parsePem, toPem } from '../../pki/pem.js';
import { describeKey, loadPublicKey, publicKeyDer } from '../../pki/private-key.js';
import { x509 } from '../../pki/x509.js';
import type { IssuedCertificate, Issuer, IssueRequest } from '../types.js';
import { readRepoFile } from '../../repo/confined-io.js';
import { DEFAULT_BACKDATE_MS, floorToSecond, randomSerialNumber } from './certificate-fields.js';
import { loadSigningCa, type SigningCa } from './signing-ca.js';
import { extendedKeyUsages, keyUsageFlags } from './usages.js';

export interface BuiltInCaIssuerOptions {
  /** The issuer's name in certificates.yaml. */
  name: string;
  /** The issuing CA's certificate, PEM (a root, or an intermediate). */
  certificatePem: string;
  /** The issuing CA's private key, PEM, already decrypted; it stays in memory. */
  privateKeyPem: string;
  /**
   * CA certificates that follow the issuing CA in issued chains (intermediates above it),
   * PEM. Self-signed ones are skipped: relying parties bring their own trust anchors.
   */
  chainPem?: string;
  /** notBefore margin before the request's `now`. Default DEFAULT_BACKDATE_MS. */
  backdateMs?: number;
}

export interface BuiltInCaFromRepoOptions {
  name: string;
  /** The repository root that the paths in `spec` are relative to. */
  repoDir: string;
  /** The issuer's `ca:` block from certificates.yaml. */
  spec: NonNullable<IssuerSpec['ca']>;
  /** An age identity text (AGE-SECRET-KEY-1..., or an identity file's content) that decrypts the CA key. */
  identity: string;
  backdateMs?: number;
}

/** The embedded CA: signs leaves locally with a CA whose key lives age-encrypted in the repository. */
export class BuiltInCaIssuer implements Issuer {
  readonly name: string;
  readonly #options: BuiltInCaIssuerOptions;
  #ca: Promise<SigningCa> | undefined;

  constructor(options: BuiltInCaIssuerOptions) {
    this.name = options.name;
    this.#options = options;
  }

  /** Reads the CA from the repository and decrypts its key with the identity. */
  static async fromRepo(options: BuiltInCaFromRepoOptions): Promise<BuiltInCaIssuer> {
    const where = `issuers.${options.name}.ca`;
    const certificatePem = readRepoFile(options.repoDir, options.spec.certificate, `${where}.certificate`).toString('utf8');
    const encryptedKey = readRepoFile(options.repoDir, options.spec.privateKey, `${where}.privateKey`);
    if (!isAgeEncrypted(encryptedKey)) {
      throw new Error(`${where}.privateKey: ${options.spec.privateKey} is not age-encrypted; a CA key must never sit in the repository in plaintext (encrypt it with age and rotate it)`);
    }
    let privateKeyPem: string;
    try {
      privateKeyPem = await decryptPrivateKey(encryptedKey, options.identity);
    } catch (err) {
      throw new Error(`${where}.privateKey: ${options.spec.privateKey}: ${(err as Error).message}`);
    }
    const issuerOptions: BuiltInCaIssuerOptions = { name: options.name, certificatePem, privateKeyPem };
    if (options.spec.chain) issuerOptions.chainPem = readRepoFile(options.repoDir, options.spec.chain, `${where}.chain`).toString('utf8');
    if (options.backdateMs !== undefined) issuerOptions.backdateMs = options.backdateMs;
    const issuer = new BuiltInCaIssuer(issuerOptions);
    // Fail here, at start-up, on a CA that cannot sign, rather than once per certificate.
    try {
      await issuer.#signingCa();
    } catch (err) {
      throw new Error(`${where}: ${(err as Error).message}`);
    }
    return issuer;
  }

  #signingCa(): Promise<SigningCa> {
    // Once per issuer: importing the key and checking the CA is the same work for every leaf.
    this.#ca ??= loadSigningCa(this.#options.certificatePem, this.#options.privateKeyPem);
    return this.#ca;
  }

  async obtain(request: IssueRequest): Promise<IssuedCertificate> {
    const ca = await this.#signingCa();
    const { spec, now } = request;
    const caNotBefore = ca.certificate.notBefore.getTime();
    const caNotAfter = ca.certificate.notAfter.getTime();
    if (now.getTime() >= caNotAfter) throw new Error(`the CA certificate (${ca.certificate.subject}) expired on ${ca.certificate.notAfter.toISOString()}: renew the CA first`);
    if (now.getTime() < caNotBefore) throw new Error(`the CA certificate (${ca.certificate.subject}) is not valid until ${ca.certificate.notBefore.toISOString()}`);

    // The CA signs the public key directly; a request without one falls back to its CSR,
    // whose self-signature proves possession of the key.
    const publicKey = request.publicKeyPem ? loadPublicKey(request.publicKeyPem) : (await readCsr(request.csrPem)).publicKey;
    const keyType = describeKey(publicKey);
    const spki = new Uint8Array(publicKeyDer(publicKey));

    const commonName = subjectCommonName(spec);
    const sans = subjectAltNames(spec);
    if (commonName === undefined && sans.length === 0) throw new Error(`certificate "${spec.name}" names nothing to certify`);

    const notBefore = floorToSecond(new Date(Math.max(caNotBefore, now.getTime() - (this.#options.backdateMs ?? DEFAULT_BACKDATE_MS))));
    // A certificate outliving its CA would fail validation for its last stretch anyway; cap it.
    const notAfter = floorToSecond(new Date(Math.min(caNotAfter, now.getTime() + spec.durationMs)));
    if (notAfter.getTime() <= notBefore.getTime()) throw new Error(`certificate "${spec.name}" would have no validity: duration ${spec.duration}`);

    const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
    const ku = keyUsageFlags(spec.usages, keyType.algorithm);
    if (ku !== 0) extensions.push(new x509.KeyUsagesExtension(ku, true));
    const eku = extendedKeyUsages(spec.usages);
    if (eku.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(eku, false));
    // RFC 5280 4.2.1.6: with an empty subject the SAN extension must be critical.
    if (sans.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(sans, commonName === undefined));
    extensions.push(await x509.SubjectKeyIdentifierExtension.create(spki));
    extensions.push(new x509.AuthorityKeyIdentifierExtension(ca.keyIdentifier));

    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      subject: subjectName(commonName),
      issuer: ca.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: spki,
      signingKey: ca.signingKey,
      signingAlgorithm: ca.signingAlgorithm,
      extensions,
    });
    const chain = [toPem('CERTIFICATE', new Uint8Array(leaf.rawData))];
    if (!ca.selfSigned) chain.push(ca.certificatePem);
    chain.push(...(await nonRootCertificates(this.#options.chainPem)));
    return { certificatePem: chain.join('') };
  }
}

async function nonRootCertificates(pem: string | undefined): Promise<string[]> {
  if (!pem) return [];
  const out: string[] = [];
  for (const block of parsePem(pem)) {
    if (block.label !== 'CERTIFICATE') continue;
    const cert = new x509.X509Certificate(new Uint8Array(block.der));
    if (!(await cert.isSelfSigned())) out.push(toPem('CERTIFICATE', block.der));
  }
  return out;
}
