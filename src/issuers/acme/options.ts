import type { IssuerSpec } from '../../manifest/types.js';

/** The `acme` block of an issuer in certificates.yaml. */
export type AcmeSpec = NonNullable<IssuerSpec['acme']>;

export interface AcmeLogEntry {
  level: 'debug' | 'info' | 'warn';
  message: string;
}

/** Where the issuer reports progress. It never receives a key, an HMAC or a TSIG secret. */
export type AcmeLogger = (entry: AcmeLogEntry) => void;

/** What an AcmeIssuer needs beyond the manifest: secrets and the runtime's view of the world. */
export interface AcmeIssuerOptions {
  /** The issuer's name in certificates.yaml (`issuers.<name>`), for messages. */
  name: string;
  spec: AcmeSpec;
  /** PEM private key of the ACME account (decrypted by the caller; never logged). */
  accountKeyPem: string;
  /** The account URL when already known: skips the newAccount lookup. */
  accountUrl?: string;
  /** Trust for the CA's own HTTPS endpoint. */
  trust?: {
    /**
     * PEM CA certificates to trust besides Node's defaults (and NODE_EXTRA_CA_CERTS). When not
     * given and the spec has `caCertificate`, that file is read (relative to `baseDir`).
     */
    caCertificatesPem?: string[];
  };
  /**
   * The EAB HMAC key (base64url) when the caller has it; otherwise it is read from the
   * environment variable that `externalAccountBinding.hmacKeySecret` names.
   */
  externalAccountBindingHmacKey?: string;
  /** Where secret names (TSIG secrets, the EAB HMAC) are looked up. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Base for relative paths in the spec (caCertificate). Default: the working directory. */
  baseDir?: string;
  logger?: AcmeLogger;
  /** Tuning; the defaults suit Let's Encrypt and Pebble. */
  tuning?: AcmeTuning;
}

export interface AcmeTuning {
  /** Polls of an order, authorization or challenge before giving up. Default 15. */
  pollAttempts?: number;
  /**
   * First pause between polls; doubles per poll. Default 100 ms. acme-client's default (5 s)
   * adds about 5 s to every certificate, as a challenge is rarely valid at the first poll.
   */
  pollMinMs?: number;
  /** Longest pause between polls. Default 5 s. */
  pollMaxMs?: number;
  /** Tries per HTTP request for resets, 5xx and 429. Default 5. */
  httpAttempts?: number;
  /** A server Retry-After longer than this is reported instead of waited for. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Time allowed for one HTTP exchange. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * How often one signed request is re-signed with a fresh nonce after badNonce. Default 20.
   * acme-client's own 5 are not enough for a server that rejects many nonces: at Pebble's
   * 50% rejection, one request in 64 would fail.
   */
  badNonceRetries?: number;
  /** Time allowed for an exec hook or nsupdate run. Default 60 s. */
  commandTimeoutMs?: number;
  /** The nsupdate program. Default: `nsupdate` from PATH. */
  nsupdatePath?: string;
}
