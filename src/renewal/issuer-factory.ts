import { AcmeIssuer, type AcmeLogger } from '../issuers/acme/index.js';
import { BuiltInCaIssuer } from '../issuers/ca/index.js';
import { CfsslIssuer } from '../issuers/cfssl.js';
import type { Issuer } from '../issuers/types.js';
import { decryptPrivateKey, encryptPrivateKey } from '../keys/age.js';
import type { IssuerSpec } from '../manifest/types.js';
import { generatePrivateKey, privateKeyToPem } from '../pki/private-key.js';
import { readRepoFile, repoFileExists } from '../repo/confined-io.js';

export interface IssuerContext {
  repoDir: string;
  /** age identity (AGE-SECRET-KEY-1...) for keys kept in the repository: the CA key, the ACME account key. */
  identity?: string;
  /** age recipients, for a new ACME account key written to the repository. */
  recipients: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Extra CA certificates (PEM) to trust for ACME directories, e.g. a test CA. */
  acmeTrustPem?: string[];
  logger?: AcmeLogger;
}

/** Files an issuer created that belong in the renewal commit (a new ACME account key). */
export interface IssuerSetup {
  issuer: Issuer;
  files: { path: string; content: string }[];
}

/** Where a new ACME account key goes when the manifest does not name a path. */
export function defaultAccountKeyPath(issuerName: string): string {
  return `pki/acme/${issuerName}.account.key.age`;
}

/** Builds the issuer a manifest entry describes, with its secrets. Throws with a message naming the issuer. */
export async function createIssuer(name: string, spec: IssuerSpec, ctx: IssuerContext): Promise<IssuerSetup> {
  if (spec.ca) {
    if (!ctx.identity) throw new Error(`issuers.${name}: the built-in CA's key is age-encrypted; give the age identity (--identity-file, or the identity input / CERTOPS_AGE_IDENTITY secret).`);
    return { issuer: await BuiltInCaIssuer.fromRepo({ name, repoDir: ctx.repoDir, spec: spec.ca, identity: ctx.identity }), files: [] };
  }
  if (spec.cfssl) return { issuer: await CfsslIssuer.fromRepo({ name, repoDir: ctx.repoDir, spec: spec.cfssl }), files: [] };
  if (spec.acme) {
    const files: IssuerSetup['files'] = [];
    const envKey = ctx.env[`CERTOPS_ACME_ACCOUNT_KEY_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] ?? ctx.env.CERTOPS_ACME_ACCOUNT_KEY;
    const path = spec.acme.accountKey ?? defaultAccountKeyPath(name);
    let accountKeyPem: string;
    if (envKey) accountKeyPem = envKey;
    else if (repoFileExists(ctx.repoDir, path, `issuers.${name}.acme.accountKey`)) {
      if (!ctx.identity) throw new Error(`issuers.${name}: the ACME account key ${path} is age-encrypted; give the age identity to use it.`);
      accountKeyPem = await decryptPrivateKey(readRepoFile(ctx.repoDir, path, `issuers.${name}.acme.accountKey`), ctx.identity);
    } else {
      // First run: a new account key, stored encrypted beside the certificates so later runs reuse the account.
      accountKeyPem = privateKeyToPem(await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));
      files.push({ path, content: await encryptPrivateKey(accountKeyPem, ctx.recipients) });
    }
    const issuer = new AcmeIssuer({
      name,
      spec: spec.acme,
      accountKeyPem,
      env: ctx.env,
      baseDir: ctx.repoDir,
      ...(ctx.acmeTrustPem ? { trust: { caCertificatesPem: ctx.acmeTrustPem } } : {}),
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    });
    return { issuer, files };
  }
  throw new Error(`issuers.${name} names no kind of issuer: set one of acme, ca or cfssl.`);
}
