import { createPrivateKey, createPublicKey, type X509Certificate } from 'node:crypto';
import { inspect } from 'node:util';
import { describeCertificate, oneLineDn, readCertificateChain } from '../pki/certificate-info.js';
import { toPem } from '../pki/pem.js';

/** The files a target can receive. `combined` is haproxy's form: leaf, chain, then the key, in one file. */
export type FileRole = 'cert' | 'chain' | 'fullchain' | 'key' | 'combined';

/** Roles whose content includes the private key: they get the key's file mode and never appear in logs. */
export const SECRET_ROLES: ReadonlySet<FileRole> = new Set(['key', 'combined']);

export interface MaterialInput {
  /** The certificate's name in certificates.yaml. */
  name: string;
  /** Leaf first, then the chain (intermediates; a root is kept if the file has one). */
  certificatePem: string;
  /** The decrypted private key, PEM. Kept in memory only. */
  keyPem: string;
  /** The names from certificates.yaml, to choose the TLS server name for verification; the leaf's SAN otherwise. */
  names?: { commonName?: string; dnsNames: readonly string[] };
}

/**
 * A certificate ready to deploy: its files' contents and the facts the steps report.
 * The private key sits in a private field: JSON.stringify, util.inspect and console.log show
 * the public facts only, so passing a material to a logger cannot leak the key.
 */
export class DeployMaterial {
  readonly name: string;
  readonly leaf: X509Certificate;
  /** The certificates after the leaf, in file order. */
  readonly chain: readonly X509Certificate[];
  /** Lower-case hex. */
  readonly serial: string;
  /** SHA-256 of the leaf's DER, lower-case hex: what verification compares with the served leaf. */
  readonly sha256: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subject: string;
  readonly issuerDN: string;
  /** The SNI name for verification; undefined for certificates with IP addresses only. */
  readonly serverName: string | undefined;
  readonly #keyPem: string;

  constructor(input: MaterialInput) {
    const certs = readCertificateChain(input.certificatePem);
    this.name = input.name;
    this.leaf = certs[0]!;
    this.chain = certs.slice(1);
    const info = describeCertificate(this.leaf);
    this.serial = info.serial;
    this.sha256 = info.sha256;
    this.notBefore = info.notBefore;
    this.notAfter = info.notAfter;
    this.subject = info.subject;
    this.issuerDN = info.issuerDN;
    this.serverName = chooseServerName(input.names ?? { dnsNames: info.dnsNames, commonName: cnOf(info.subject) });
    this.#keyPem = input.keyPem.endsWith('\n') ? input.keyPem : `${input.keyPem}\n`;
  }

  /** SHA-256 of each chain certificate, in order: what the served chain must contain after the leaf. */
  get chainSha256(): string[] {
    return this.chain.map((c) => describeCertificate(c).sha256);
  }

  /** The content a target writes for each role. PEM is re-encoded from DER, so the same certificate always gives the same bytes. */
  content(role: FileRole): string {
    const cert = toPem('CERTIFICATE', this.leaf.raw);
    const chain = this.chain.map((c) => toPem('CERTIFICATE', c.raw)).join('');
    switch (role) {
      case 'cert':
        return cert;
      case 'chain':
        return chain;
      case 'fullchain':
        return cert + chain;
      case 'key':
        return this.#keyPem;
      case 'combined':
        return cert + chain + this.#keyPem;
    }
  }

  /** The key's text, for the redaction of command output: never to be printed. */
  secretTexts(): string[] {
    return [this.#keyPem];
  }

  toJSON(): Record<string, string> {
    return { name: this.name, serial: this.serial, sha256: this.sha256, notAfter: this.notAfter.toISOString() };
  }

  [inspect.custom](): string {
    return `DeployMaterial ${JSON.stringify(this.toJSON())}`;
  }

  /**
   * Problems that make the material unfit to deploy, checked before any target is touched:
   * a key of another certificate, a chain out of order, a certificate outside its validity at `now`.
   */
  problems(now: Date): string[] {
    const out: string[] = [];
    try {
      const keySpki = createPublicKey(createPrivateKey(this.#keyPem)).export({ type: 'spki', format: 'der' });
      const certSpki = this.leaf.publicKey.export({ type: 'spki', format: 'der' });
      if (!keySpki.equals(certSpki)) out.push('the private key does not belong to the certificate (their public keys differ)');
    } catch (err) {
      // node's message names the format problem, not the key's content.
      out.push(`the private key does not parse: ${(err as Error).message}`);
    }
    let child = this.leaf;
    this.chain.forEach((parent, i) => {
      if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
        out.push(`chain certificate ${i + 1} (${oneLineDn(parent.subject)}) did not issue the certificate before it (${oneLineDn(child.subject)}): the file must list leaf, then each issuer in order`);
      }
      child = parent;
    });
    if (now < this.notBefore) out.push(`the certificate is not valid before ${this.notBefore.toISOString()}`);
    if (now > this.notAfter) out.push(`the certificate expired at ${this.notAfter.toISOString()}`);
    return out;
  }
}

/**
 * SNI for verification: the first DNS name that is not a wildcard, else the commonName, else a
 * wildcard's first label replaced by `certops-verify` (any name under it selects the same
 * certificate on the server). An IP address is never sent as SNI (RFC 6066 forbids it).
 */
export function chooseServerName(names: { commonName?: string | undefined; dnsNames: readonly string[] }): string | undefined {
  const plain = names.dnsNames.find((n) => !n.startsWith('*.'));
  if (plain) return plain;
  if (names.commonName && !names.commonName.startsWith('*.') && !isIpLiteral(names.commonName)) return names.commonName;
  const wildcard = names.dnsNames[0] ?? names.commonName;
  return wildcard?.startsWith('*.') ? `certops-verify.${wildcard.slice(2)}` : undefined;
}

function isIpLiteral(text: string): boolean {
  return /^[0-9.]+$/.test(text) || text.includes(':');
}

function cnOf(subject: string): string | undefined {
  return /(?:^|\n)CN=([^\n]*)/.exec(subject)?.[1];
}
