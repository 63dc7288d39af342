import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BENCH_NOW, lintRepository } from '../../bench/lib/lint-repo.js';
import { runLint, type LintResult } from '../../src/policy/lint.js';
import { startExamination } from '../../src/policy/parallel-examination.js';
import { workingTree } from '../../src/repo/repo-files.js';

/** Lints with the parallel examination forced to `workers` child processes (0: all in-thread). */
function lintWith(dir: string, workers: number, now = BENCH_NOW): Pick<LintResult, 'findings' | 'counts' | 'certificates' | 'policySource'> {
  const saved = process.env.CERTOPS_LINT_WORKERS;
  process.env.CERTOPS_LINT_WORKERS = String(workers);
  try {
    const { findings, counts, certificates, policySource } = runLint({ repoDir: dir, now: new Date(now) });
    return { findings, counts, certificates, policySource };
  } finally {
    if (saved === undefined) delete process.env.CERTOPS_LINT_WORKERS;
    else process.env.CERTOPS_LINT_WORKERS = saved;
  }
}

describe('parallel examination gives the same findings as examining in-thread', () => {
  let root: string;
  let dir: string;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'certops-parallel-'));
    dir = (await lintRepository(join(root, 'repo'), 200)).dir;
    const cert = (n: number) => join(dir, `certs/svc-${String(n).padStart(5, '0')}/cert.pem`);
    // A spread of broken states: swapped files, a wrong serial, garbage, a missing key, a leaf without its chain, a plaintext key.
    writeFileSync(cert(3), readFileSync(cert(4)));
    writeFileSync(cert(5), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    writeFileSync(cert(6), 'not a certificate\n');
    unlinkSync(join(dir, 'certs/svc-00007/key.pem.age'));
    const pem = readFileSync(cert(8), 'utf8');
    writeFileSync(cert(8), pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 26));
    appendFileSync(cert(9), readFileSync(join(dir, 'pki/ca.pem')));
    const lock = join(dir, 'certificates.lock.yaml');
    writeFileSync(lock, readFileSync(lock, 'utf8').replace(/(svc-00010:\n {4}serial: )/, '$1ff'));
    writeFileSync(join(dir, 'notes.txt'), '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n');
    // Symbolic links out of the repository, as a pull request can commit them: a file, and a certificate's folder.
    writeFileSync(join(root, 'runner-key.pem'), '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n');
    symlinkSync(join(root, 'runner-key.pem'), join(dir, 'link-to-runner-key.txt'));
    renameSync(join(dir, 'certs/svc-00011'), join(root, 'svc-00011'));
    symlinkSync(join(root, 'svc-00011'), join(dir, 'certs/svc-00011'));
    execFileSync('git', ['add', '-A'], { cwd: dir });
  });
  after(() => root && rmSync(root, { recursive: true, force: true }));

  it('finds the broken states in-thread', () => {
    const result = lintWith(dir, 0);
    assert.ok(result.counts.error >= 8, JSON.stringify(result.counts));
    // Nothing is read through a symbolic link: the linked key is not reported, the linked folder's files are missing.
    assert.deepEqual(result.findings.filter((f) => f.file === 'link-to-runner-key.txt'), []);
    assert.deepEqual(result.findings.filter((f) => f.certificate === 'svc-00011').map((f) => f.message.split(':')[0]), ['certs/svc-00011/cert.pem is missing', 'certs/svc-00011/key.pem.age is missing']);
  });
  for (const workers of [1, 2]) {
    it(`with ${workers} child process${workers > 1 ? 'es' : ''}`, () => {
      assert.deepEqual(lintWith(dir, workers), lintWith(dir, 0));
    });
  }
  it('after every certificate expired, too', () => {
    assert.deepEqual(lintWith(dir, 1, '2031-01-01T00:00:00Z'), lintWith(dir, 0, '2031-01-01T00:00:00Z'));
  });
  it('the children do examine: a full read of the repository takes batches from them', () => {
    const saved = process.env.CERTOPS_LINT_WORKERS;
    process.env.CERTOPS_LINT_WORKERS = '1';
    try {
      const tree = workingTree(dir);
      const examination = startExamination(tree, readFileSync(join(dir, 'certificates.yaml'), 'utf8'), readFileSync(join(dir, 'certificates.lock.yaml'), 'utf8'));
      assert.ok(examination, 'the examination started');
      try {
        // list() waits for the child (it lists the repository first); reading from the end then
        // leaves it the first batches, which it claims while this thread examines the last ones.
        const certs = examination.repo.list().filter((p) => p.endsWith('cert.pem'));
        // Every certificate file is covered: nothing falls back to facts worked out elsewhere.
        const files = examination.files({ scan: (p) => assert.fail(`scan(${p}) fell back`), chain: (p) => assert.fail(`chain(${p}) fell back`), checksChains: () => true });
        for (const path of certs.reverse()) {
          assert.ok(files.chain(path)?.facts.blocks !== undefined, path);
          // svc-00007's key file was deleted above.
          assert.equal(files.scan(path.replace('cert.pem', 'key.pem.age'))?.age, path.includes('svc-00007') ? undefined : true, path);
        }
        assert.ok(examination.batchesFromChildren() > 0, 'no batch came from a child process');
      } finally {
        examination.close();
      }
    } finally {
      if (saved === undefined) delete process.env.CERTOPS_LINT_WORKERS;
      else process.env.CERTOPS_LINT_WORKERS = saved;
    }
  });

  it('and when no issuer names a CA certificate the repository holds', () => {
    const manifestPath = join(dir, 'certificates.yaml');
    const original = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, original.replace(/pki\/ca\.pem/g, 'pki/absent.pem'));
    try {
      const inThread = lintWith(dir, 0);
      assert.ok(inThread.counts.error >= 8, JSON.stringify(inThread.counts));
      assert.deepEqual(lintWith(dir, 1), inThread);
    } finally {
      writeFileSync(manifestPath, original);
    }
  });
  it('without a CA certificate in the repository, the children\'s facts are used as they are (no signatures to check)', () => {
    const saved = process.env.CERTOPS_LINT_WORKERS;
    process.env.CERTOPS_LINT_WORKERS = '1';
    try {
      const tree = workingTree(dir);
      const manifestText = readFileSync(join(dir, 'certificates.yaml'), 'utf8').replace(/pki\/ca\.pem/g, 'pki/absent.pem');
      const examination = startExamination(tree, manifestText, readFileSync(join(dir, 'certificates.lock.yaml'), 'utf8'));
      assert.ok(examination, 'the examination started');
      try {
        const files = examination.files({ scan: (p) => assert.fail(`scan(${p}) fell back`), chain: (p) => assert.fail(`chain(${p}) fell back`), checksChains: () => false });
        const certs = examination.repo.list().filter((p) => p.endsWith('cert.pem'));
        for (const path of certs) {
          const chain = files.chain(path);
          assert.ok(chain, path);
          assert.equal(chain.facts.links, undefined, 'no CA: no signature was checked');
        }
      } finally {
        examination.close();
      }
    } finally {
      if (saved === undefined) delete process.env.CERTOPS_LINT_WORKERS;
      else process.env.CERTOPS_LINT_WORKERS = saved;
    }
  });

  it('leaves no temporary folder behind', () => {
    const own = mkdtempSync(join(root, 'tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = own;
    try {
      lintWith(dir, 1);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    assert.deepEqual(readdirSync(own), []);
  });
});
