import { X509Certificate, createHash } from 'node:crypto';
import { ARMOR_BEGIN, BINARY_HEADER } from '../keys/age-format.js';
import type { Manifest } from '../manifest/types.js';
import { PEM_BLOCK_SOURCE, PRIVATE_KEY_PEM, parsePem } from '../pki/pem.js';
import type { RepoFiles } from '../repo/repo-files.js';
import { createCertificateExaminer, type ChainFacts } from './certificate-examiner.js';
import { createFileScanner, type ScanFacts, type ScannerLib } from './file-scan.js';

export type { ScanFacts } from './file-scan.js';

/** A chain file's facts, with the CA certificates (DER) `facts.caLinks` refers to, by index. */
export interface Examined {
  facts: ChainFacts;
  candidates: readonly Buffer[];
}

/**
 * What rules know about the repository's files, so that no rule parses or scans bytes itself:
 * the examination in child processes answers for the files it read, the rest is worked out here.
 * Both return undefined for a file that cannot be read.
 */
export interface FileFacts {
  scan(path: string): ScanFacts | undefined;
  /** The file as a certificate chain, checked against the CA certificates of the manifest's issuers. */
  chain(path: string): Examined | undefined;
  /** Whether any issuer names a CA certificate the repository holds: only then are signatures checked. */
  checksChains(): boolean;
}

export const SCANNER_LIB: ScannerLib = { privateKeyPemSource: PRIVATE_KEY_PEM.source, ageHeader: BINARY_HEADER, ageArmor: ARMOR_BEGIN };

/** The repository path of the CA certificate an issuer's chains must verify to, when it has one. */
export function caCertificatePath(manifest: Manifest, issuer: string): string | undefined {
  const spec = manifest.issuers[issuer];
  return spec?.ca?.certificate ?? spec?.acme?.caCertificate ?? spec?.cfssl?.caCertificate;
}

/** The first CERTIFICATE block of a repository file, when it parses. */
export function readCaCertificate(repo: RepoFiles, path: string): X509Certificate | null {
  const pem = repo.readText(path);
  const block = pem ? parsePem(pem).find((b) => b.label === 'CERTIFICATE') : undefined;
  try {
    return block ? new X509Certificate(block.der) : null;
  } catch {
    return null;
  }
}

/** Facts worked out in this thread from the files as `repo` reads them, each file once. */
export function localFileFacts(repo: RepoFiles, manifest: Manifest): FileFacts {
  const scan = createFileScanner(SCANNER_LIB);
  const scans = new Map<string, ScanFacts | null>();
  const chains = new Map<string, Examined | null>();
  let examine: ((text: string) => Examined) | undefined;
  let candidateCount = 0;
  const examiner = () => {
    if (examine) return examine;
    // Every CA certificate the manifest's issuers name, once each.
    const cas = new Map<string, Buffer>();
    for (const issuer of Object.keys(manifest.issuers)) {
      const path = caCertificatePath(manifest, issuer);
      const ca = path ? readCaCertificate(repo, path) : null;
      if (ca) cas.set(ca.fingerprint256, ca.raw);
    }
    const candidates = [...cas.values()];
    candidateCount = candidates.length;
    const e = createCertificateExaminer({ X509Certificate, createHash, pemBlockSource: PEM_BLOCK_SOURCE });
    e.setCandidates(candidates);
    return (examine = (text) => ({ facts: e.examine(text, candidates.length > 0), candidates }));
  };
  return {
    scan(path) {
      if (!scans.has(path)) {
        const bytes = repo.read(path);
        scans.set(path, bytes ? scan(bytes) : null);
      }
      return scans.get(path) ?? undefined;
    },
    chain(path) {
      if (!chains.has(path)) {
        const text = repo.readText(path);
        chains.set(path, text === undefined ? null : examiner()(text));
      }
      return chains.get(path) ?? undefined;
    },
    checksChains() {
      examiner();
      return candidateCount > 0;
    },
  };
}
