import { X509Certificate } from 'node:crypto';
import type { IssuerSpec } from '../manifest/types.js';
import { oneLineDn, parseSubjectAltName, readCertificateChain } from '../pki/certificate-info.js';
import { canonicalIpAddress, readCsr } from '../pki/csr.js';
import { toPem } from '../pki/pem.js';
import { loadPublicKey, samePublicKey } from '../pki/private-key.js';
import { fetchWithRetry, type FetchRetryOptions } from '../net/retry.js';
import type { IssuedCertificate, Issuer, IssueRequest } from './types.js';
import { readRepoFile } from '../repo/confined-io.js';

export interface CfsslIssuerOptions {
  /** The issuer's name in certificates.yaml. */
  name: string;
  /** Base URL of `cfssl serve`, e.g. http://ca.internal:8888. */
  url: string;
  /** Signing profile from the server's config; cfssl falls back to its default profile when absent. */
  profile?: string;
  /** CA certificate(s), PEM, appended after the leaf: the CA that cfssl signs with, then any above it. */
  caCertificatePem?: string;
  /** Retry and timeout settings for the HTTP call. Default: 4 attempts, 30 s each. */
  retry?: FetchRetryOptions;
}

export interface CfsslFromRepoOptions {
  name: string;
  repoDir: string;
  spec: NonNullable<IssuerSpec['cfssl']>;
  retry?: FetchRetryOptions;
}

/** cfssl's response envelope (api/api.go: Response). */
interface CfsslResponse {
  success: boolean;
  result?: { certificate?: string } | null;
  errors?: Array<{ code: number; message: string }>;
  messages?: Array<{ code: number; message: string }>;
}

/** A remote CA: `cfssl serve` signing our CSR through POST /api/v1/cfssl/sign. */
export class CfsslIssuer implements Issuer {
  readonly name: string;
  readonly #options: CfsslIssuerOptions;
  readonly #endpoint: string;

  constructor(options: CfsslIssuerOptions) {
    this.name = options.name;
    this.#options = options;
    if (!URL.canParse(options.url)) throw new Error(`issuers.${options.name}.cfssl.url: "${options.url}" is not a URL`);
    this.#endpoint = new URL('api/v1/cfssl/sign', options.url.endsWith('/') ? options.url : `${options.url}/`).toString();
  }

  static async fromRepo(options: CfsslFromRepoOptions): Promise<CfsslIssuer> {
    const issuerOptions: CfsslIssuerOptions = { name: options.name, url: options.spec.url };
    if (options.spec.profile !== undefined) issuerOptions.profile = options.spec.profile;
    if (options.retry) issuerOptions.retry = options.retry;
    if (options.spec.caCertificate) {
      const field = `issuers.${options.name}.cfssl.caCertificate`;
      const pem = readRepoFile(options.repoDir, options.spec.caCertificate, field).toString('utf8');
      try {
        readCertificateChain(pem);
      } catch (err) {
        throw new Error(`${field}: ${options.spec.caCertificate} ${(err as Error).message}`);
      }
      issuerOptions.caCertificatePem = pem;
    }
    return new CfsslIssuer(issuerOptions);
  }

  async obtain(request: IssueRequest): Promise<IssuedCertificate> {
    const { spec } = request;
    // cfssl's `hosts` sorts entries into IP, email and DNS SANs; it has no URI kind (1.2 would
    // file a URI as a DNS name), so URIs are left to the CSR and checked on the result below.
    const hosts = [...spec.dnsNames, ...spec.ipAddresses, ...spec.emailAddresses];
    const body: Record<string, unknown> = { certificate_request: request.csrPem };
    // An empty `hosts` list would make cfssl strip every SAN; absent, it keeps the CSR's.
    if (hosts.length > 0) body.hosts = hosts;
    if (this.#options.profile) body.profile = this.#options.profile;

    const response = await this.#post(body);
    const leafPem = response.result?.certificate;
    if (!leafPem) throw new Error(`cfssl at ${this.#endpoint} reported success but returned no certificate`);
    const [leaf] = readCertificateChain(leafPem);
    if (!leaf) throw new Error(`cfssl at ${this.#endpoint} returned no certificate`);

    const requestedKey = request.publicKeyPem ? loadPublicKey(request.publicKeyPem) : (await readCsr(request.csrPem)).publicKey;
    if (!samePublicKey(leaf.publicKey, requestedKey)) throw new Error(`cfssl at ${this.#endpoint} returned a certificate for a different key than the one requested`);
    checkNames(leaf, spec);

    const chain = [toPem('CERTIFICATE', leaf.raw)];
    if (this.#options.caCertificatePem) {
      const cas = readCertificateChain(this.#options.caCertificatePem);
      const signer = cas[0]!;
      if (!leaf.checkIssued(signer) || !leaf.verify(signer.publicKey)) {
        throw new Error(`the configured caCertificate (${oneLineDn(signer.subject)}) did not sign the certificate cfssl returned (issuer ${oneLineDn(leaf.issuer)}): point caCertificate at the CA that cfssl serve uses`);
      }
      for (const ca of cas) chain.push(toPem('CERTIFICATE', ca.raw));
    }
    return { certificatePem: chain.join('') };
  }

  async #post(body: Record<string, unknown>): Promise<CfsslResponse> {
    let response: Response;
    try {
      response = await fetchWithRetry(
        this.#endpoint,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        {
          ...this.#options.retry,
          // A cfssl JSON error is the CA's considered refusal, even on a 500; proxies' 5xx and 429 are worth a retry.
          retryResponse: async (r) => r.status === 429 || r.status === 502 || r.status === 503 || r.status === 504 || (r.status >= 500 && !(await isCfsslAnswer(r.clone()))),
        },
      );
    } catch (err) {
      throw new Error(`cfssl at ${this.#endpoint} could not be reached: ${describeFetchError(err)}`);
    }
    const text = await response.text();
    let parsed: CfsslResponse | undefined;
    try {
      const json = JSON.parse(text) as unknown;
      if (json && typeof json === 'object' && typeof (json as CfsslResponse).success === 'boolean') parsed = json as CfsslResponse;
    } catch {
      // handled below: not cfssl's answer
    }
    if (!parsed) throw new Error(`cfssl at ${this.#endpoint} answered HTTP ${response.status} with something that is not a cfssl response: ${snippet(text)}`);
    if (!parsed.success || !response.ok) {
      const errors = (parsed.errors ?? []).map((e) => `${e.message} (cfssl code ${e.code})`).join('; ') || `HTTP ${response.status}`;
      throw new Error(`cfssl at ${this.#endpoint} refused to sign: ${errors}`);
    }
    return parsed;
  }
}

async function isCfsslAnswer(response: Response): Promise<boolean> {
  try {
    const json = (await response.json()) as unknown;
    return !!json && typeof json === 'object' && typeof (json as CfsslResponse).success === 'boolean';
  } catch {
    return false;
  }
}

/** Fails when the certificate's SANs differ from the spec: a CA policy or an old cfssl may drop or rewrite names. */
function checkNames(leaf: X509Certificate, spec: IssueRequest['spec']): void {
  const got = parseSubjectAltName(leaf.subjectAltName ?? '');
  const problems: string[] = [];
  const compare = (kind: string, want: string[], have: string[], norm: (s: string) => string) => {
    const w = new Set(want.map(norm));
    const h = new Set(have.map(norm));
    const missing = [...w].filter((x) => !h.has(x));
    const extra = [...h].filter((x) => !w.has(x));
    if (missing.length) problems.push(`missing ${kind} ${missing.join(', ')}`);
    if (extra.length) problems.push(`unexpected ${kind} ${extra.join(', ')}`);
  };
  compare('DNS names', spec.dnsNames, got.dnsNames, (s) => s.toLowerCase());
  // node prints IPv6 SANs uncompressed (0:0:...:1) where manifests write ::1.
  compare('IP addresses', spec.ipAddresses, got.ipAddresses, canonicalIpAddress);
  compare('URIs', spec.uris, got.uris, (s) => s);
  compare('email addresses', spec.emailAddresses, got.emailAddresses, (s) => s.toLowerCase());
  if (problems.length > 0) {
    const hint = spec.uris.length > 0 && got.uris.length === 0 ? ' (cfssl 1.2 does not issue URI SANs)' : '';
    throw new Error(`cfssl issued a certificate whose names differ from the spec: ${problems.join('; ')}${hint}`);
  }
}

function describeFetchError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    parts.push(code ? `${e.message} [${code}]` : e.message);
  }
  return parts.join(': ') || String(err);
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}...` : one || '(empty body)';
}
