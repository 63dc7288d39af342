import { X509Certificate, createHash } from 'node:crypto';
import type { LockEntry } from '../../manifest/lock-file.js';
import type { CertificateSpec } from '../../manifest/types.js';
import { isAgeEncrypted } from '../../keys/age-format.js';
import { normalizeIp } from '../../pki/ip.js';
import { normalizeSerial, parseSubjectAltName } from '../../pki/certificate-info.js';
import { parsePem } from '../../pki/pem.js';
import { specHash } from '../../manifest/spec-hash.js';
import { selects } from '../select.js';
import type { LintContext, Rule, RuleFinding } from '../types.js';
import { fieldLocation } from './locate.js';
import { onlyKeys } from './params.js';

/** The repository path of the CA certificate an issuer's chains must verify to, when it has one. */
function caCertificatePath(ctx: LintContext, issuer: string): string | undefined {
  const spec = ctx.manifest.issuers[issuer];
  return spec?.ca?.certificate ?? spec?.acme?.caCertificate ?? spec?.cfssl?.caCertificate;
}

const caCache = new WeakMap<LintContext, Map<string, X509Certificate | null>>();

function caCertificate(ctx: LintContext, path: string): X509Certificate | null {
  let cache = caCache.get(ctx);
  if (!cache) caCache.set(ctx, (cache = new Map()));
  if (!cache.has(path)) {
    const pem = ctx.repo.readText(path);
    const block = pem ? parsePem(pem).find((b) => b.label === 'CERTIFICATE') : undefined;
    let cert: X509Certificate | null = null;
    try {
      cert = block ? new X509Certificate(block.der) : null;
    } catch {
      cert = null;
    }
    cache.set(path, cert);
  }
  return cache.get(path)!;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

const curveBits: Record<string, number> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/** Checks one lock entry against its files and spec. Cheap checks first; certificates are parsed once. */
function checkEntry(ctx: LintContext, cert: CertificateSpec, entry: LockEntry): RuleFinding[] {
  const out: RuleFinding[] = [];
  const lockAt = (field?: string): Omit<RuleFinding, 'message'> => {
    const pointer = `/certificates/${cert.name}${field ? `/${field}` : ''}`;
    const pos = ctx.lockPositions?.value(pointer) ?? ctx.lockPositions?.key(`/certificates/${cert.name}`) ?? { line: 1, column: 1 };
    return { certificate: cert.name, file: ctx.lockFile, line: pos.line, column: pos.column, path: pointer };
  };
  const fileAt = (file: string): Omit<RuleFinding, 'message'> => ({ certificate: cert.name, file, line: 1, column: 1 });

  const pem = ctx.repo.readText(entry.certificate);
  if (pem === undefined) {
    out.push({ ...lockAt('certificate'), message: `${entry.certificate} is missing: the lock file references it for ${cert.name}. Run certops renew --only ${cert.name} to reissue.` });
  } else {
    const blocks = parsePem(pem).filter((b) => b.label === 'CERTIFICATE');
    let chain: X509Certificate[] = [];
    try {
      chain = blocks.map((b) => new X509Certificate(b.der));
    } catch (err) {
      out.push({ ...fileAt(entry.certificate), message: `${entry.certificate} does not parse as a certificate: ${(err as Error).message}.` });
    }
    if (blocks.length === 0) out.push({ ...fileAt(entry.certificate), message: `${entry.certificate} holds no PEM CERTIFICATE block.` });
    const leaf = chain[0];
    if (leaf) {
      const mismatch = (what: string, field: string, actual: string, expected: string) =>
        out.push({ ...lockAt(field), message: `${what} of ${entry.certificate} is ${actual} but the lock file says ${expected}: the file and the lock disagree. Reissue with certops renew --only ${cert.name}.` });
      const serial = normalizeSerial(leaf.serialNumber);
      if (serial !== normalizeSerial(entry.serial)) mismatch('The serial', 'serial', serial, entry.serial);
      const sha256 = createHash('sha256').update(leaf.raw).digest('hex');
      if (sha256 !== entry.sha256) mismatch('The SHA-256 fingerprint', 'sha256', sha256, entry.sha256);
      const spki = createHash('sha256').update(leaf.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
      if (spki !== entry.spkiSha256) mismatch('The public key pin', 'spkiSha256', spki, entry.spkiSha256);
      const notBefore = new Date(leaf.validFrom);
      const notAfter = new Date(leaf.validTo);
      if (Math.abs(notBefore.getTime() - Date.parse(entry.notBefore)) >= 1000) mismatch('notBefore', 'notBefore', notBefore.toISOString(), entry.notBefore);
      if (Math.abs(notAfter.getTime() - Date.parse(entry.notAfter)) >= 1000) mismatch('notAfter', 'notAfter', notAfter.toISOString(), entry.notAfter);
      if (notAfter.getTime() <= ctx.now.getTime()) {
        out.push({ ...lockAt('notAfter'), message: `${cert.name} expired on ${notAfter.toISOString()}. Run certops renew --only ${cert.name} now.` });
      }

      const san = parseSubjectAltName(leaf.subjectAltName ?? '');
      const specIps = cert.ipAddresses.map(normalizeIp);
      if (!sameSet(san.dnsNames.map((n) => n.toLowerCase()), cert.dnsNames.map((n) => n.toLowerCase())) || !sameSet(san.ipAddresses.map(normalizeIp), specIps)) {
        out.push({
          ...fieldLocation(ctx, cert, 'dnsNames'),
          severity: 'notice',
          message: `${entry.certificate} covers [${[...san.dnsNames, ...san.ipAddresses].join(', ')}] but the spec asks for [${[...cert.dnsNames, ...cert.ipAddresses].join(', ')}]; the next renew run reissues it.`,
        });
      }
      const type = leaf.publicKey.asymmetricKeyType;
      const details = leaf.publicKey.asymmetricKeyDetails ?? {};
      const actual =
        type === 'rsa' ? { algorithm: 'RSA', size: details.modulusLength ?? 0 } : type === 'ec' ? { algorithm: 'ECDSA', size: curveBits[details.namedCurve ?? ''] ?? 0 } : type === 'ed25519' ? { algorithm: 'Ed25519', size: 0 } : { algorithm: String(type), size: 0 };
      if (actual.algorithm !== cert.privateKey.algorithm || actual.size !== cert.privateKey.size) {
        out.push({
          ...fieldLocation(ctx, cert, 'privateKey'),
          severity: 'notice',
          message: `${entry.certificate} has a ${actual.algorithm}${actual.size ? ` ${actual.size}` : ''} key but the spec asks for ${cert.privateKey.algorithm}${cert.privateKey.size ? ` ${cert.privateKey.size}` : ''}; the next renew run reissues it.`,
        });
      }

      const caPath = caCertificatePath(ctx, cert.issuer);
      const ca = caPath ? caCertificate(ctx, caPath) : null;
      if (caPath && ca) {
        const problem = chainProblem(chain, ca, ctx.now);
        if (problem) out.push({ ...fileAt(entry.certificate), message: `The chain in ${entry.certificate} does not verify to ${caPath}: ${problem}.` });
      }
    }
  }

  const key = ctx.repo.read(entry.key);
  if (key === undefined) out.push({ ...lockAt('key'), message: `${entry.key} is missing: without it ${cert.name} cannot be deployed. Reissue with certops renew --only ${cert.name}.` });
  else if (!isAgeEncrypted(key)) out.push({ ...fileAt(entry.key), message: `${entry.key} is not an age-encrypted file. Private keys must be age-encrypted to the manifest's recipients.` });

  if (entry.issuer !== cert.issuer || entry.specHash !== specHash(cert)) {
    out.push({ ...lockAt('specHash'), severity: 'notice', message: `The spec of ${cert.name} changed since it was issued; the next renew run reissues it.` });
  }
  return out;
}

/** Walks leaf -> intermediates -> CA: each certificate signed by the next, the last by the CA. */
function chainProblem(chain: X509Certificate[], ca: X509Certificate, now: Date): string | undefined {
  const path = [...chain];
  // A chain file may include the root itself; it verifies the same way.
  if (path.length > 1 && path[path.length - 1]!.fingerprint256 === ca.fingerprint256) path.pop();
  for (let i = 0; i < path.length; i++) {
    const subject = path[i]!;
    const issuer = path[i + 1] ?? ca;
    if (!subject.checkIssued(issuer) || !subject.verify(issuer.publicKey)) {
      return `certificate ${i + 1} (${subject.subject.replace(/\n/g, ', ')}) is not signed by ${issuer.subject.replace(/\n/g, ', ')}`;
    }
  }
  if (new Date(ca.validTo).getTime() <= now.getTime()) return `the CA certificate expired on ${new Date(ca.validTo).toISOString()}`;
  return undefined;
}

export const issuedStateRule: Rule = {
  id: 'issued-state',
  summary: 'The lock file, the certificate files and the spec agree, and nothing has expired.',
  help: 'The lock file is written by certops only. When it and certs/ disagree, reissue with `certops renew --only <name>` instead of editing either by hand.',
  scope: 'repository',
  validate(config) {
    const problems: string[] = [];
    onlyKeys(config, [], problems);
    return problems;
  },
  check(ctx, _config, policy) {
    const out: RuleFinding[] = [];
    const names = new Set(ctx.manifest.certificates.map((c) => c.name));
    for (const cert of ctx.manifest.certificates) {
      if (!selects(policy.select, cert)) continue;
      const entry = ctx.lock.certificates[cert.name];
      if (entry) out.push(...checkEntry(ctx, cert, entry));
      else out.push({ ...fieldLocation(ctx, cert, 'name'), severity: 'notice', message: `${cert.name} has not been issued yet; the next renew run issues it.` });
    }
    for (const name of Object.keys(ctx.lock.certificates)) {
      if (names.has(name)) continue;
      const pos = ctx.lockPositions?.key(`/certificates/${name}`) ?? { line: 1, column: 1 };
      out.push({ certificate: name, file: ctx.lockFile, ...pos, severity: 'warning', message: `The lock file holds ${name}, which certificates.yaml no longer lists. The next renew run removes it; revoke the certificate if it is no longer used.` });
    }
    return out;
  },
};
