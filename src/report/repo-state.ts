import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOCK_FILE, loadLock, type LockFile } from '../manifest/lock-file.js';
import { loadManifest, MANIFEST_FILE } from '../manifest/load-manifest.js';
import type { Manifest } from '../manifest/types.js';
import type { LoadedSources } from '../policy/lint.js';
import { describeCertificate, oneLineDn, readCertificateChain } from '../pki/certificate-info.js';
import { workingTree } from '../repo/repo-files.js';
import { staysInRepo } from '../repo/repo-path.js';
import type { CertificateDir } from './expiry-model.js';
import { LEDGER_FILE } from './ledger-file.js';
import { lockLines, manifestLines } from './source-lines.js';

/** Bad or missing input the report cannot be built from; the message names the file and the fix. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

export interface RepoStateOptions {
  manifestFile?: string;
  lockFile?: string;
  ledgerFile?: string;
  /** The manifest and lock file as the caller already read them (a missing file: undefined), so the texts loaded here are the ones it holds. */
  texts?: { manifest: string | undefined; lock: string | undefined };
}

/** What the report reads from a repository, with the lines things stand on (for links). */
export interface RepoState {
  manifestFile: string;
  manifest: Manifest;
  manifestLines: Map<string, number>;
  lockFile: string;
  lock: LockFile;
  lockLines: Map<string, number>;
  ledgerFile: string;
  ledgerText: string;
  certificateDirs: CertificateDir[];
  /** The manifest and lock file as loaded here, for a lint of the same texts (PendingLint#finish). */
  loaded: LoadedSources;
  /** Whether a repository file exists: reports link only to files that do. */
  fileExists: (path: string) => boolean;
}

/** Reads certificates.yaml, the lock file, the ledger and certs/. Throws ReportInputError when there is no usable manifest. */
export function readRepoState(repoDir: string, options: RepoStateOptions = {}): RepoState {
  const repo = workingTree(repoDir);
  const manifestFile = options.manifestFile ?? MANIFEST_FILE;
  const lockFile = options.lockFile ?? LOCK_FILE;
  const ledgerFile = options.ledgerFile ?? LEDGER_FILE;
  const source = options.texts ? options.texts.manifest : repo.readText(manifestFile);
  if (source === undefined) throw new ReportInputError(`${manifestFile} not found in ${repoDir}: the report lists the certificates it declares. Create it (certops init writes a starter) or pass the manifest path.`);
  const loaded = loadManifest(source, manifestFile);
  if (!loaded.manifest) {
    const f = loaded.findings[0];
    throw new ReportInputError(f ? `${f.file}:${f.line}:${f.column}: ${f.message}` : `${manifestFile} could not be read.`);
  }
  const lines = manifestLines(source, loaded.manifest.certificates, () => loaded.positions);
  const lockSource = options.texts ? options.texts.lock : repo.readText(lockFile);
  const lockLoad = loadLock(lockSource, lockFile);
  const locked = lockLines(lockSource, Object.keys(lockLoad.lock.certificates), () => lockLoad.positions);
  const known = new Set([...loaded.manifest.certificates.map((c) => c.name), ...Object.keys(lockLoad.lock.certificates)]);
  const certificateDirs: CertificateDir[] = [];
  // certs/ read directly: listing the whole repository through git costs more than the report at 10,000 certificates.
  for (const name of subdirectories(join(repoDir, 'certs'))) {
    if (known.has(name)) continue;
    const inside = filesIn(join(repoDir, 'certs', name));
    if (inside.length === 0) continue;
    const path = `certs/${name}/${inside.includes('cert.pem') ? 'cert.pem' : inside[0]}`;
    const dir: CertificateDir = { name, path };
    const pem = path.endsWith('/cert.pem') ? repo.readText(path) : undefined;
    if (pem) {
      try {
        const info = describeCertificate(readCertificateChain(pem)[0]!);
        const cn = /(?:^|\n)CN=([^\n]*)/.exec(info.subject)?.[1];
        dir.certificate = {
          serial: info.serial,
          notBefore: info.notBefore,
          notAfter: info.notAfter,
          issuerDN: oneLineDn(info.issuerDN),
          ...(cn ? { commonName: cn } : {}),
          names: [...info.dnsNames, ...info.ipAddresses, ...info.uris, ...info.emailAddresses],
        };
      } catch {
        // Unreadable: still listed as unmanaged, without dates; lint reports the file itself.
      }
    }
    certificateDirs.push(dir);
  }
  return {
    manifestFile,
    manifest: loaded.manifest,
    manifestLines: lines,
    lockFile,
    lock: lockLoad.lock,
    lockLines: locked,
    ledgerFile,
    ledgerText: repo.readText(ledgerFile) ?? '',
    certificateDirs,
    loaded: { manifest: loaded, lock: lockLoad },
    // existsSync: no exception for a missing file, which statSync would throw thousands of times.
    // Joined by hand: path.join costs as much as the check itself when called for every certificate.
    // A lock path out of the repository (a lint error) is never linked, whatever is there.
    fileExists: (path) => staysInRepo(path) && existsSync(`${repoDir}/${path}`),
  };
}

function subdirectories(dir: string): string[] {
  try {
    // A committed link at certs/ would list a folder elsewhere on the runner into the report.
    if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

function filesIn(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}
