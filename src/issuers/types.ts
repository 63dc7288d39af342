import type { CertificateSpec } from '../manifest/types.js';

/** What to issue: one certificate for one spec, with its key already chosen. */
export interface IssueRequest {
  spec: CertificateSpec;
  /** PEM PKCS#10 request signed by the certificate's key (ACME and remote CAs sign CSRs). */
  csrPem: string;
  /** The public key, for issuers that sign it directly (the built-in CA). */
  publicKeyPem: string;
  /** The clock, for notBefore/notAfter where the issuer chooses them. */
  now: Date;
  /** RFC 9773: the ARI certificate id of the certificate this one replaces. */
  replaces?: string;
}

/** A whole issued certificate; an issuer returns this or throws, never half of it. */
export interface IssuedCertificate {
  /** Leaf followed by the chain, PEM. */
  certificatePem: string;
  /** RFC 9773 certificate id (base64url AKI keyIdentifier "." base64url serial), when the CA has ARI. */
  ariCertId?: string;
}

/** RFC 9773 suggested renewal window. */
export interface RenewalWindow {
  start: Date;
  end: Date;
  explanationURL?: string;
}

export interface Issuer {
  /** The issuer's name in certificates.yaml. */
  readonly name: string;
  obtain(request: IssueRequest): Promise<IssuedCertificate>;
  /** ACME Renewal Information for a certificate, when the CA offers it; undefined otherwise. */
  renewalInfo?(certificatePem: string): Promise<RenewalWindow | undefined>;
}
