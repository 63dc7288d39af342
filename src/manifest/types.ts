/** The certificate inventory as written in certificates.yaml (after schema validation). */
export interface ManifestDocument {
  version: 1;
  defaults?: CertificateDefaults;
  recipients?: string[];
  retiredKeys?: RetiredKey[];
  owners?: Record<string, string[]>;
  issuers?: Record<string, IssuerSpec>;
  targets?: Record<string, TargetSpec>;
  certificates: CertificateDocument[];
}

/** A key that must not be used any more, by its SPKI SHA-256 pin (the lock file's spkiSha256). */
export interface RetiredKey {
  spkiSha256: string;
  reason: string;
}

export type KeyAlgorithm = 'RSA' | 'ECDSA' | 'Ed25519';

export interface PrivateKeySpec {
  algorithm: KeyAlgorithm;
  /** RSA modulus bits, or ECDSA curve size (256 = P-256, 384 = P-384); 0 for Ed25519. */
  size: number;
  /** Always: a new key on every renewal. Never: the existing key is reused. */
  rotationPolicy: 'Always' | 'Never';
}

export type Usage =
  | 'digital signature' | 'key encipherment' | 'key agreement' | 'server auth' | 'client auth'
  | 'code signing' | 'email protection' | 'ocsp signing' | 'timestamping';

export interface CertificateDefaults {
  issuer?: string;
  duration?: string;
  renewBefore?: string;
  renewBeforePercentage?: number;
  privateKey?: Partial<PrivateKeySpec>;
  usages?: Usage[];
  owners?: string[];
  deploy?: string[];
  labels?: Record<string, string>;
}

export interface CertificateDocument extends CertificateDefaults {
  name: string;
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  uris?: string[];
  emailAddresses?: string[];
}

export interface AcmeSolverSpec {
  http01?: { webroot?: string; listen?: string };
  dns01?: {
    rfc2136?: { server: string; tsigKeyName?: string; tsigAlgorithm?: string; tsigSecret?: string };
    exec?: { command: string[] };
  };
  selector?: { dnsNames?: string[]; dnsZones?: string[] };
}

export interface IssuerSpec {
  /** The CA is publicly trusted, so the CA/Browser Forum caps apply (default: true for acme). */
  publiclyTrusted?: boolean;
  acme?: {
    directory: string;
    email?: string;
    profile?: string;
    accountKey?: string;
    externalAccountBinding?: { keyId: string; hmacKeySecret: string };
    caCertificate?: string;
    solvers?: AcmeSolverSpec[];
  };
  ca?: { certificate: string; privateKey: string; chain?: string };
  cfssl?: { url: string; profile?: string; caCertificate?: string };
}

export interface TargetSpec {
  files?: {
    dir: string;
    names?: { cert?: string; chain?: string; fullchain?: string; key?: string; combined?: string };
    keyMode?: string;
    certMode?: string;
    owner?: string;
  };
  command?: { run: string[]; timeout?: string };
  ssh?: { host: string; port?: number; user?: string; dir: string; knownHosts?: string; identitySecret?: string };
  reload?: string;
  verify?: { address?: string; addresses?: string[]; timeout?: string };
}

/** One certificate with defaults merged and durations parsed: what the rest of certops works on. */
export interface CertificateSpec {
  name: string;
  /** Index in the `certificates` list, for positions (`/certificates/<index>/...`). */
  index: number;
  commonName?: string;
  dnsNames: string[];
  ipAddresses: string[];
  uris: string[];
  emailAddresses: string[];
  duration: string;
  durationMs: number;
  renewBefore?: string;
  renewBeforeMs?: number;
  renewBeforePercentage?: number;
  privateKey: PrivateKeySpec;
  usages: Usage[];
  issuer: string;
  owners: string[];
  deploy: string[];
  labels: Record<string, string>;
}

export interface Manifest {
  /** Repository-relative path of the manifest file. */
  file: string;
  document: ManifestDocument;
  recipients: string[];
  /** Keys no certificate may keep: each falls due at once and gets a new key. */
  retiredKeys: RetiredKey[];
  owners: Record<string, string[]>;
  issuers: Record<string, IssuerSpec>;
  targets: Record<string, TargetSpec>;
  certificates: CertificateSpec[];
}

/** The retired keys' pins, as the renewal planner takes them. */
export function retiredKeyPins(manifest: Pick<Manifest, 'retiredKeys'>): ReadonlySet<string> {
  return new Set(manifest.retiredKeys.map((k) => k.spkiSha256));
}

export const DEFAULT_DURATION = '90d';
export const DEFAULT_PRIVATE_KEY: PrivateKeySpec = { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' };
