import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEM_BLOCK_SOURCE } from '../pki/pem.js';
import { LS_FILES_ARGS, lsFilesOutput, type RepoFiles } from '../repo/repo-files.js';
import { createSafeReader } from '../repo/safe-read.js';
import { createCertificateExaminer, type ChainFacts } from './certificate-examiner.js';
import { readCaCertificate, SCANNER_LIB, type FileFacts, type ScanFacts } from './file-facts.js';
import { createFileScanner } from './file-scan.js';

/**
 * Parallel examination of a large repository's certificate files.
 *
 * Parsing a certificate and checking its signature cost ~250 us each with Node 20's OpenSSL 3.0,
 * so on a repository of thousands of certificates they are most of lint's time. Worker threads
 * do not help there: OpenSSL 3.0 serialises certificate decoding on process-wide locks (two
 * threads parse no faster than one). Child processes do. So lint starts this as soon as it has
 * read the manifest and the lock file: child processes read the files the lock file names, work
 * out their facts (src/policy/file-facts.ts: the chain examined by certificate-examiner.ts and
 * the scan of file-scan.ts, the same code that runs in-thread) and list the repository with git,
 * while this thread parses YAML; it then takes the facts, and works out in-thread those of
 * batches no child has started yet. Only facts travel back, never file contents: decoding
 * 20,000 files' worth of base64 cost this thread more than it saved.
 *
 * Everything here is a guess that is checked before use, so it cannot change a result:
 * - the paths come from a plain scan of the lock file's text, before it is parsed;
 * - the CA certificates chains are checked against come from a scan of the manifest's text;
 *   the rule uses a check only when its CA's DER equals one examined, and chains are examined
 *   in-thread when the scan found no CA at all;
 * - a file is read once, by whoever examines it (through src/repo/safe-read.ts, as in-thread
 *   reads are): its facts are those of the bytes read then.
 * Anything not delivered (a failure, a path the scan missed) is read and examined in-thread.
 *
 * The protocol is files in a private temporary folder, because this thread must wait for
 * results synchronously (rules are synchronous) and cannot run its event loop: `claim-<b>` is
 * created exclusively by whoever takes batch b, `out-<b>.json` appears (by rename) when done.
 */

/**
 * Below this many certificates, starting processes costs more than it saves.
 * CERTOPS_LINT_WORKERS=<n> sets the number of child processes (0: none, everything in-thread)
 * and then applies at any size, so tests can run this path on small repositories.
 */
export const PARALLEL_MIN_CERTIFICATES = 500;
const MAX_WORKERS = 4;
const MAX_CANDIDATE_CAS = 16;
const BATCH = 64;
/** Results that do not come for this long are given up on, and the files examined in-thread. */
const STALL_MS = 15_000;
const POLL_MS = 2;

export interface Examination {
  /** The repository, listed by the child process that ran git meanwhile. */
  repo: RepoFiles;
  /** Facts from the examination for the files it covers; `local`'s for every other file. */
  files(local: FileFacts): FileFacts;
  /** Stops the child processes and removes their folder. */
  close(): void;
  /** Batches whose results came from a child process (the rest were examined in this thread). */
  batchesFromChildren(): number;
}

/**
 * What each child process runs (node -e): plain JavaScript, self-contained. Arguments: the
 * folder, and "list" for the one that also lists the repository.
 */
const CHILD_SOURCE = `
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { join } = require('node:path');
const [dir, role] = process.argv.slice(1);
const job = JSON.parse(fs.readFileSync(join(dir, 'job.json'), 'utf8'));
const done = (name, text) => { fs.writeFileSync(join(dir, name + '.tmp'), text); fs.renameSync(join(dir, name + '.tmp'), join(dir, name)); };
if (role === 'list') {
  try {
    done('list', execFileSync('git', job.listArgs, { cwd: job.root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    done('list.failed', '');
  }
}
// __name: esbuild's keepNames helper, which the factories' sources call when built without minifying.
const factory = (source) => new Function('__name', 'return (' + source + ')')((f) => f);
const examiner = factory(job.examiner)({ X509Certificate: crypto.X509Certificate, createHash: crypto.createHash, pemBlockSource: job.pemBlockSource });
const scan = factory(job.scanner)(job.scannerLib);
const reader = factory(job.reader)({ fs, path: require('node:path'), root: job.root });
examiner.setCandidates(job.candidates.map((c) => Buffer.from(c, 'base64')));
const links = job.candidates.length > 0;
const batches = Math.ceil(job.jobs.length / job.batch);
for (let b = 0; b < batches; b++) {
  try {
    fs.closeSync(fs.openSync(join(dir, 'claim-' + b), 'wx'));
  } catch {
    continue;
  }
  const items = [];
  for (let i = b * job.batch; i < Math.min(job.jobs.length, (b + 1) * job.batch); i++) {
    const [path, examine] = job.jobs[i];
    const bytes = reader.read(path);
    if (!bytes) {
      items.push([i, null, null]);
      continue;
    }
    items.push([i, scan(bytes), examine ? examiner.examine(bytes.toString('utf8'), links) : null]);
  }
  done('out-' + b + '.json', JSON.stringify(items));
}
`;

/**
 * Files the lock file names, by a scan of its text in the form certops writes it, in file
 * order (each certificate, then its key) so they are ready in the order the rule asks for them.
 * `true` marks a certificate file, to be examined; a key file is only read.
 */
function lockPaths(lockText: string): Map<string, boolean> {
  const jobs = new Map<string, boolean>();
  for (const m of lockText.matchAll(/^ {4}(certificate|key): (.+?)\s*$/gm)) {
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    jobs.set(value, jobs.get(value) === true || m[1] === 'certificate');
  }
  return jobs;
}

/** CA certificates the manifest's issuers may name, by a scan of its text: the first CERTIFICATE block of each file. */
function candidateCas(repo: RepoFiles, manifestText: string): Buffer[] {
  const paths = new Set<string>();
  for (const m of manifestText.matchAll(/\b(?:caCertificate|certificate)\s*:\s*["']?([^\s"',{}[\]#]+)/g)) if (paths.size < MAX_CANDIDATE_CAS) paths.add(m[1]!);
  return [...paths].flatMap((path) => readCaCertificate(repo, path)?.raw ?? []);
}

/** Blocks this thread for a few milliseconds without spinning. */
const pause = (() => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return (ms: number) => Atomics.wait(cell, 0, 0, ms);
})();

/**
 * Starts examining the certificates a lock file names, when there are enough of them and more
 * than one CPU. Returns undefined when it would not pay, or could not start.
 */
export function startExamination(repo: RepoFiles, manifestText: string, lockText: string | undefined): Examination | undefined {
  if (lockText === undefined) return undefined;
  const setting = process.env.CERTOPS_LINT_WORKERS;
  const cpus = availableParallelism();
  const forced = setting !== undefined && /^\d+$/.test(setting);
  // This thread examines too (whatever no child has started), so it counts as one of the CPUs.
  const count = forced ? Math.min(Number(setting), 16) : Math.min(cpus - 1, MAX_WORKERS);
  if (count <= 0) return undefined;
  const paths = lockPaths(lockText);
  let certificates = 0;
  for (const examine of paths.values()) if (examine) certificates++;
  if (certificates === 0 || (!forced && certificates < PARALLEL_MIN_CERTIFICATES)) return undefined;

  const candidates = candidateCas(repo, manifestText);
  const jobs = [...paths];
  const byPath = new Map(jobs.map(([path], i) => [path, i]));
  const batches = Math.ceil(jobs.length / BATCH);
  /** Per item, once its batch is in: the scan, or null when the file could not be read. */
  const scans: (ScanFacts | null)[] = new Array(jobs.length);
  /** Per certificate item, once its batch is in and the file was read: the chain's facts. */
  const chains: (ChainFacts | null)[] = new Array(jobs.length);
  const loaded = new Uint8Array(batches);
  let fromChildren = 0;
  const children: ChildProcess[] = [];
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'certops-lint-'));
    writeFileSync(
      join(dir, 'job.json'),
      JSON.stringify({
        root: repo.root,
        jobs,
        batch: BATCH,
        candidates: candidates.map((der) => der.toString('base64')),
        examiner: createCertificateExaminer.toString(),
        pemBlockSource: PEM_BLOCK_SOURCE,
        scanner: createFileScanner.toString(),
        scannerLib: SCANNER_LIB,
        reader: createSafeReader.toString(),
        listArgs: LS_FILES_ARGS,
      }),
    );
    // The children run only the code above; what NODE_OPTIONS may load (a loader, a preload) is not theirs to run.
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    for (let k = 0; k < count; k++) {
      const child = spawn(process.execPath, ['-e', CHILD_SOURCE, dir, k === 0 ? 'list' : 'examine'], { stdio: 'ignore', env });
      // This thread never runs its event loop while they work: they must not keep the process alive.
      child.unref();
      child.on('error', () => undefined);
      children.push(child);
    }
  } catch {
    for (const c of children) c.kill();
    return undefined;
  }

  let closed = false;
  let local: { scan: (bytes: Buffer) => ScanFacts; examine: (text: string) => ChainFacts } | undefined;
  let files: string[] | undefined;
  const accept = (rows: [number, ScanFacts | null, ChainFacts | null][]) => {
    for (const [i, scan, chain] of rows) {
      scans[i] = scan;
      chains[i] = chain;
    }
  };
  const here = () =>
    (local ??= (() => {
      const examiner = createCertificateExaminer({ X509Certificate, createHash, pemBlockSource: PEM_BLOCK_SOURCE });
      examiner.setCandidates(candidates);
      return { scan: createFileScanner(SCANNER_LIB), examine: (text: string) => examiner.examine(text, candidates.length > 0) };
    })());
  /** Works out batch b here, if nobody has claimed it yet. */
  const claim = (b: number): boolean => {
    try {
      closeSync(openSync(join(dir, `claim-${b}`), 'wx'));
    } catch {
      return false;
    }
    const { scan, examine } = here();
    const rows: [number, ScanFacts | null, ChainFacts | null][] = [];
    for (let i = b * BATCH; i < Math.min(jobs.length, (b + 1) * BATCH); i++) {
      const [path, isCertificate] = jobs[i]!;
      const bytes = repo.read(path);
      rows.push(bytes ? [i, scan(bytes), isCertificate ? examine(bytes.toString('utf8')) : null] : [i, null, null]);
    }
    accept(rows);
    loaded[b] = 1;
    return true;
  };
  /** Takes batch b in: loaded from a child's results, or worked out here if nobody has started it. */
  const tryLoad = (b: number): boolean => {
    if (loaded[b]) return true;
    const out = join(dir, `out-${b}.json`);
    if (existsSync(out)) {
      try {
        accept(JSON.parse(readFileSync(out, 'utf8')) as [number, ScanFacts | null, ChainFacts | null][]);
        loaded[b] = 1;
        fromChildren++;
        return true;
      } catch {
        return false;
      }
    }
    return claim(b);
  };
  /**
   * While a child finishes the batch this thread needs, it takes one nobody has started, from
   * the end (the children work from the start), so no CPU idles while there is work.
   */
  let stealFrom = batches - 1;
  const steal = (after: number): boolean => {
    for (; stealFrom > after; stealFrom--) {
      if (!loaded[stealFrom] && claim(stealFrom)) return true;
    }
    return false;
  };
  /** Waits until `ready()`, working meanwhile; gives up (everything left is read here) when results stop coming. */
  const until = (ready: () => boolean, after = -1) => {
    let start = Date.now();
    while (!closed && !ready()) {
      if (after >= 0 && steal(after)) {
        start = Date.now();
        continue;
      }
      if (Date.now() - start > STALL_MS) {
        close();
        return;
      }
      pause(POLL_MS);
    }
  };
  function close(): void {
    if (closed) return;
    closed = true;
    for (const c of children) if (c.exitCode === null) c.kill();
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A child still writing can race the removal; the folder is in the system temp dir either way.
    }
  }
  /** The item's index once its batch is in, or undefined: not examined here, or given up on. */
  const delivered = (path: string): number | undefined => {
    const i = byPath.get(path);
    if (i === undefined) return undefined;
    const b = Math.floor(i / BATCH);
    if (!loaded[b]) until(() => tryLoad(b), b);
    return loaded[b] ? i : undefined;
  };

  const view: RepoFiles = {
    ...repo,
    list() {
      if (!files) {
        let list: string | undefined;
        until(() => {
          if (existsSync(join(dir, 'list.failed'))) return true;
          try {
            list = readFileSync(join(dir, 'list'), 'utf8');
            return true;
          } catch {
            return false;
          }
        });
        files = list !== undefined ? lsFilesOutput(list) : repo.list();
      }
      return files;
    },
  };
  const filesFacts = (fallback: FileFacts): FileFacts => ({
    scan(path) {
      const i = delivered(path);
      return i === undefined ? fallback.scan(path) : (scans[i] ?? undefined);
    },
    chain(path) {
      // Children that found no CA in the manifest's text skipped the signatures; usable unless there are some to check.
      const usable = candidates.length > 0 || !fallback.checksChains();
      const i = usable && jobs[byPath.get(path) ?? -1]?.[1] ? delivered(path) : undefined;
      if (i === undefined) return fallback.chain(path);
      const facts = chains[i];
      return facts ? { facts, candidates } : undefined;
    },
    checksChains: () => fallback.checksChains(),
  });
  return { repo: view, files: filesFacts, close, batchesFromChildren: () => fromChildren };
}
