import type { AcmeTransport } from './transport.js';

/** The parts of an ACME directory (RFC 8555 section 7.1.1) that certops reads itself. */
export interface AcmeDirectory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  /** RFC 9773: present when the CA offers renewal information. */
  renewalInfo?: string;
  meta?: {
    termsOfService?: string;
    externalAccountRequired?: boolean;
    /** ACME profiles draft: profile name -> human description. */
    profiles?: Record<string, string>;
  };
}

/**
 * Fetches and checks the directory before acme-client is involved, so that an unreachable or
 * untrusted CA, or a URL that is not an ACME directory, is reported in plain words.
 */
export async function readDirectory(transport: AcmeTransport, url: string, issuerName: string): Promise<AcmeDirectory> {
  const answer = await transport.get(url);
  const where = `issuers.${issuerName}.acme.directory`;
  if (answer.status !== 200) throw new Error(`${where} ${url} answered HTTP ${answer.status}, not an ACME directory`);
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw new Error(`${where} ${url} did not answer JSON: is it the directory URL (it usually ends in /directory)?`);
  }
  const directory = body as Partial<AcmeDirectory> | null;
  for (const field of ['newNonce', 'newAccount', 'newOrder'] as const) {
    if (typeof directory?.[field] !== 'string') throw new Error(`${where} ${url} is not an ACME directory: it has no ${field} URL`);
  }
  const result = directory as AcmeDirectory;
  if (result.renewalInfo !== undefined && typeof result.renewalInfo !== 'string') delete result.renewalInfo;
  return result;
}
