import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { IssueRequest } from '../../src/issuers/types.js';
import { DEFAULT_PRIVATE_KEY, type CertificateSpec } from '../../src/manifest/types.js';
import { createCsr } from '../../src/pki/csr.js';
import { generatePrivateKey, privateKeyToPem, publicKeyToPem } from '../../src/pki/private-key.js';

const run = promisify(execFile);

/** A merged certificate spec for `dnsNames`, as the manifest loader would produce it. */
export function certificateSpec(name: string, dnsNames: string[], ipAddresses: string[] = []): CertificateSpec {
  return {
    name,
    index: 0,
    dnsNames,
    ipAddresses,
    uris: [],
    emailAddresses: [],
    duration: '90d',
    durationMs: 90 * 24 * 60 * 60 * 1000,
    privateKey: { ...DEFAULT_PRIVATE_KEY },
    usages: ['digital signature', 'server auth'],
    issuer: 'acme',
    owners: [],
    deploy: [],
    labels: {},
  };
}

/** An IssueRequest with a fresh P-256 key and its CSR. */
export async function issueRequest(name: string, dnsNames: string[], extra: Partial<IssueRequest> = {}): Promise<IssueRequest> {
  const spec = certificateSpec(name, dnsNames);
  const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  return { spec, csrPem: await createCsr(spec, key), publicKeyPem: publicKeyToPem(key), now: new Date(), ...extra };
}

/** A new ACME account key, PEM. */
export async function accountKeyPem(): Promise<string> {
  return privateKeyToPem(await generatePrivateKey({ algorithm: 'ECDSA', size: 256 }));
}

/**
 * `openssl verify` of a leaf + chain PEM against `rootPem` (the chain's certificates after the
 * leaf are given as untrusted intermediates). Resolves with openssl's output; rejects when it
 * does not verify.
 */
export async function opensslVerify(chainPem: string, rootPem: string, openssl = 'openssl'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'certops-verify-'));
  try {
    const blocks = chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
    if (blocks.length < 2) throw new Error(`expected a leaf and at least one intermediate, got ${blocks.length} certificate(s)`);
    await writeFile(join(dir, 'leaf.pem'), blocks[0]!);
    await writeFile(join(dir, 'chain.pem'), blocks.slice(1).join(''));
    await writeFile(join(dir, 'root.pem'), rootPem);
    const { stdout } = await run(openssl, ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'chain.pem'), join(dir, 'leaf.pem')]);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
