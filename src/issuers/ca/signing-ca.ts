import { X509Certificate as NodeX509Certificate } from 'node:crypto';
import { parsePem, toPem } from '../../pki/pem.js';
import { loadPrivateKey, samePublicKey, toWebCryptoKeys, type KeyPair } from '../../pki/private-key.js';
import { x509 } from '../../pki/x509.js';

/** A CA ready to sign: its certificate, its key as a non-extractable WebCrypto key, its key id. */
export interface SigningCa {
  certificate: x509.X509Certificate;
  /** The CA certificate alone, PEM. */
  certificatePem: string;
  signingKey: CryptoKey;
  signingAlgorithm: Algorithm | EcdsaParams;
  /** The CA's subjectKeyIdentifier (hex): issued certificates name it in their authorityKeyIdentifier. */
  keyIdentifier: string;
  /** Whether the CA certificate is self-signed (a root), which decides whether it joins issued chains. */
  selfSigned: boolean;
}

/**
 * Checks that a certificate and key make a usable CA and prepares it for signing. Errors say
 * which of the two is wrong; none quotes the key.
 */
export async function loadSigningCa(certificatePem: string, privateKey: string | KeyPair): Promise<SigningCa> {
  const block = parsePem(certificatePem).find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new Error('the CA certificate file holds no PEM CERTIFICATE block');
  let certificate: x509.X509Certificate;
  try {
    certificate = new x509.X509Certificate(new Uint8Array(block.der));
  } catch (err) {
    throw new Error(`the CA certificate does not parse: ${(err as Error).message}`);
  }
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) throw new Error(`the CA certificate (${certificate.subject}) is not a CA: it lacks basicConstraints CA:TRUE`);
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  if (usage && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new Error(`the CA certificate (${certificate.subject}) may not sign certificates: its keyUsage lacks keyCertSign`);
  }
  let key: KeyPair;
  try {
    key = typeof privateKey === 'string' ? loadPrivateKey(privateKey) : privateKey;
  } catch (err) {
    throw new Error(`the CA private key ${(err as Error).message}`);
  }
  const certificateKey = new NodeX509Certificate(block.der).publicKey;
  if (!samePublicKey(certificateKey, key.publicKey)) throw new Error(`the CA private key does not belong to the CA certificate (${certificate.subject})`);
  const { keys, signingAlgorithm } = await toWebCryptoKeys(key);
  const ski = certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  // Reuse the CA's own SKI when it has one: AKI must equal it byte for byte, whatever method made it.
  const keyIdentifier = ski?.keyId ?? Buffer.from(await certificate.publicKey.getKeyIdentifier()).toString('hex');
  return {
    certificate,
    certificatePem: toPem('CERTIFICATE', block.der),
    signingKey: keys.privateKey,
    signingAlgorithm,
    keyIdentifier,
    selfSigned: await certificate.isSelfSigned(),
  };
}
