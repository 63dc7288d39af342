import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ariCertificateId, parseRenewalInfo } from '../../src/issuers/acme/ari.js';
import { toPem } from '../../src/pki/pem.js';
import { subtle, x509 } from '../../src/pki/x509.js';

async function certificate(serialNumber: string, authorityKeyId?: string): Promise<string> {
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: 'CN=ari.example',
    issuer: 'CN=ari issuer',
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2025-04-01T00:00:00Z'),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: authorityKeyId ? [new x509.AuthorityKeyIdentifierExtension(authorityKeyId)] : [],
  });
  return toPem('CERTIFICATE', new Uint8Array(cert.rawData));
}

describe('ariCertificateId (RFC 9773 section 4.1)', () => {
  it('matches the RFC example: AKI 69:88:5B:... and serial 0x87654321, whose DER form has a leading 00', async () => {
    const pem = await certificate('87654321', '69885b6b87464041e1b37b847ba0ae2cde01c8d4');
    assert.equal(ariCertificateId(pem), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  });

  it('adds no 00 when the serial\'s first byte is below 0x80', async () => {
    const pem = await certificate('0123456789abcdef', '0102030405');
    assert.equal(ariCertificateId(pem), `${Buffer.from('0102030405', 'hex').toString('base64url')}.${Buffer.from('0123456789abcdef', 'hex').toString('base64url')}`);
  });

  it('reads the leaf, the first certificate of a chain', async () => {
    const leaf = await certificate('11', 'aa');
    const other = await certificate('22', 'bb');
    assert.equal(ariCertificateId(leaf + other), ariCertificateId(leaf));
  });

  it('says why when the certificate has no AKI key identifier', async () => {
    const pem = await certificate('33');
    assert.throws(() => ariCertificateId(pem), /no Authority Key Identifier/);
  });
});

describe('parseRenewalInfo (RFC 9773 section 4.2)', () => {
  it('reads the window and the explanation URL', () => {
    const window = parseRenewalInfo({
      suggestedWindow: { start: '2025-01-02T04:00:00Z', end: '2025-01-03T04:00:00Z' },
      explanationURL: 'https://acme.example.com/docs/ari',
    });
    assert.deepEqual(window, {
      start: new Date('2025-01-02T04:00:00Z'),
      end: new Date('2025-01-03T04:00:00Z'),
      explanationURL: 'https://acme.example.com/docs/ari',
    });
  });

  it('rejects a window without timestamps, and one that ends before it starts', () => {
    assert.throws(() => parseRenewalInfo({}), /no suggestedWindow/);
    assert.throws(() => parseRenewalInfo({ suggestedWindow: { start: 'soon', end: '2025-01-03T04:00:00Z' } }), /start is not a timestamp/);
    assert.throws(() => parseRenewalInfo({ suggestedWindow: { start: '2025-01-03T04:00:00Z', end: '2025-01-02T04:00:00Z' } }), /ends .* before it starts/);
  });
});
