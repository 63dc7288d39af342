import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { VERSION } from '../../src/version.js';
import { BROKEN_MANIFEST, CLEAN_MANIFEST, commit, EMPTY_POLICY, initRepo, tempDir, writeFiles } from '../helpers/lint-repo.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STACK_LINE = /^\s+at .+[:(]/m;

/** Runs the CLI in-process, as `certops <argv>` from `cwd`. */
async function cli(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd });
  return { code, stdout, stderr };
}

/** Runs the CLI as a real process, so exit status and stderr are what a shell sees. */
function cliProcess(argv: string[], cwd: string) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/index.ts'), ...argv], { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NOW = ['--now', '2026-01-01T00:00:00Z'];
const work = tempDir('cli');
const clean = join(work.dir, 'clean');
const broken = join(work.dir, 'broken');
const empty = join(work.dir, 'empty');

before(() => {
  writeFiles(clean, { 'certificates.yaml': CLEAN_MANIFEST, 'policies/empty.yaml': EMPTY_POLICY });
  writeFiles(broken, { 'certificates.yaml': BROKEN_MANIFEST, 'policies/empty.yaml': EMPTY_POLICY });
  writeFiles(empty, { 'README.md': 'no manifest here\n' });
});
after(work.remove);

describe('certops lint: exit status', () => {
  test('0 when no finding is an error', async () => {
    const r = await cli(['lint', '--repo', clean, ...NOW], work.dir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0 errors, 0 warnings, 0 notices (1 certificate checked; policies from the working tree)\n');
    assert.equal(r.stderr, '');
  });

  test('1 when there are error findings, each on a file:line:col line', async () => {
    const r = await cli(['lint', '--repo', broken, ...NOW], work.dir);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^certificates\.yaml:6:13 error manifest-reference issuer "internl" is not defined/);
    assert.match(lines[1]!, /^certificates\.yaml:8:5 error manifest-schema Unknown key "colour"/);
    assert.match(lines.at(-1)!, /^2 errors, 0 warnings, 0 notices/);
  });

  test('1 when the manifest is missing: an invalid repository is a finding, not a crash', async () => {
    const r = await cli(['lint', '--repo', empty, ...NOW], work.dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^certificates\.yaml:1:1 error manifest-missing /);
  });

  test('--repo defaults to the working directory; --manifest and --policies are relative to the repository', async () => {
    writeFiles(work.dir, { 'sub/conf/certs.yaml': BROKEN_MANIFEST, 'sub/rules/p.yaml': EMPTY_POLICY });
    const r = await cli(['lint', '--manifest', 'conf/certs.yaml', '--policies', 'rules/', '--format', 'json', ...NOW], join(work.dir, 'sub'));
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: { file: string }[] };
    assert.ok(report.findings.length > 0);
    for (const f of report.findings) assert.equal(f.file, 'conf/certs.yaml');
  });
});

describe('certops lint: formats and --output', () => {
  test('--format json has the documented shape', async () => {
    const r = await cli(['lint', '--repo', broken, '--format', 'json', ...NOW], work.dir);
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout) as { findings: Record<string, unknown>[]; counts: Record<string, number> };
    assert.deepEqual(Object.keys(report), ['findings', 'counts']);
    assert.deepEqual(report.counts, { error: 2, warning: 0, notice: 0 });
    assert.deepEqual(report.findings[0], {
      ruleId: 'manifest-reference',
      severity: 'error',
      message: 'issuer "internl" is not defined under issuers. Did you mean "internal"?',
      certificate: 'api',
      file: 'certificates.yaml',
      line: 6,
      column: 13,
    });
    for (const f of report.findings) {
      assert.deepEqual(
        Object.keys(f).filter((k) => k !== 'certificate'),
        ['ruleId', 'severity', 'message', 'file', 'line', 'column'],
      );
    }
  });

  test('--format sarif writes a SARIF 2.1.0 log', async () => {
    const r = await cli(['lint', '--repo', broken, '--format=sarif', ...NOW], work.dir);
    assert.equal(r.code, 1);
    const log = JSON.parse(r.stdout) as { version: string; runs: { results: { ruleId: string }[] }[] };
    assert.equal(log.version, '2.1.0');
    assert.deepEqual(
      log.runs[0]!.results.map((x) => x.ruleId),
      ['manifest-reference', 'manifest-schema'],
    );
  });

  test('--output writes the report to the file (relative to the working directory) and prints only the counts', async () => {
    const r = await cli(['lint', '--repo', 'broken', '--format', 'json', '--output', 'report.json', ...NOW], work.dir);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '2 errors, 0 warnings, 0 notices; json report written to report.json\n');
    const report = JSON.parse(readFileSync(join(work.dir, 'report.json'), 'utf8')) as { counts: { error: number } };
    assert.equal(report.counts.error, 2);
  });

  test('--now moves the clock: the same repository, the same report', async () => {
    const a = await cli(['lint', '--repo', broken, '--format', 'json', '--now', '2026-03-15'], work.dir);
    const b = await cli(['lint', '--repo', broken, '--format', 'json', '--now', '2026-03-15T00:00:00Z'], work.dir);
    assert.equal(a.stdout, b.stdout);
  });
});

describe('certops: usage errors exit 2 with one clear line and the usage, never a stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown flag', ['lint', '--colour'], /^certops lint: unknown option '--colour'\n\nUsage: certops lint/],
    ['a flag without its value', ['lint', '--now'], /^certops lint: option '--now <value>' argument missing\n\nUsage: certops lint/],
    ['a positional argument', ['lint', 'extra'], /^certops lint: unexpected argument 'extra'\n\nUsage: certops lint/],
    ['bad --now', ['lint', '--now', 'yesterday'], /^certops lint: --now "yesterday" is not an ISO-8601 date/],
    ['a date that does not exist', ['lint', '--now', '2026-02-30'], /^certops lint: --now "2026-02-30" is not/],
    ['a date-time without a zone', ['lint', '--now', '2026-03-15T12:00:00'], /^certops lint: --now "2026-03-15T12:00:00" is not/],
    ['unknown format', ['lint', '--format', 'xml'], /^certops lint: --format must be one of text, json, sarif; got "xml"\n\nUsage: certops lint/],
    ['--repo that is not a directory', ['lint', '--repo', 'no/such/dir'], /^certops lint: --repo no\/such\/dir is not a directory\n/],
    ['--manifest outside the repository', ['lint', '--manifest', '../x.yaml'], /^certops lint: --manifest \.\.\/x\.yaml must be a path inside the repository/],
    ['unknown command', ['lnt'], /^certops: unknown command "lnt"; did you mean "lint"\?\n\nUsage: certops <command>/],
    ['no command', [], /^certops: missing command\n\nUsage: certops <command>/],
    ['an option before the command', ['--repo', '.'], /^certops: unknown option --repo; options go after the command\n/],
  ];
  for (const [name, argv, expected] of cases) {
    test(name, async () => {
      const r = await cli(argv, clean);
      assert.equal(r.code, 2, `exit status for ${argv.join(' ')}`);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stderr, STACK_LINE);
      assert.equal(r.stdout, '');
    });
  }

  test('a --base that does not exist: lint could not run, exit 2, one line', async () => {
    const repo = join(work.dir, 'git-repo');
    mkdirSync(repo);
    initRepo(repo);
    commit(repo, { 'certificates.yaml': CLEAN_MANIFEST, 'policies/empty.yaml': EMPTY_POLICY }, 'init');
    const r = await cli(['lint', '--repo', repo, '--base', 'no-such-branch', ...NOW], work.dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^certops: lint could not run: git revision "no-such-branch" does not exist/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  });

  test('--output into a missing directory: exit 2, one line', async () => {
    const r = await cli(['lint', '--repo', clean, '--output', join(work.dir, 'missing/dir/report.txt'), ...NOW], work.dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^certops: cannot write --output .*report\.txt: ENOENT\n$/);
  });
});

describe('certops: help and version', () => {
  test('--help lists the commands and exits 0', async () => {
    const r = await cli(['--help'], clean);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: certops <command>/);
    for (const name of ['init', 'ca', 'lint', 'renew', 'deploy', 'report', 'audit']) assert.match(r.stdout, new RegExp(`\\n {2}${name} +\\S`));
  });

  test('lint --help shows every option and exits 0 without linting', async () => {
    const r = await cli(['lint', '--help', '--format', 'bogus'], empty);
    assert.equal(r.code, 0);
    for (const flag of ['--repo', '--manifest', '--policies', '--base', '--now', '--format', '--output']) assert.match(r.stdout, new RegExp(`\\n {2}${flag} `));
  });

  test('--version prints the package version', async () => {
    const r = await cli(['--version'], clean);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${VERSION}\n`);
  });
});

describe('certops as a process', () => {
  test('exit statuses 0, 1 and 2 reach the shell, and stderr has no stack trace', () => {
    const ok = cliProcess(['lint', '--repo', clean, ...NOW], work.dir);
    assert.equal(ok.code, 0, ok.stderr);
    const findings = cliProcess(['lint', '--repo', broken, ...NOW], work.dir);
    assert.equal(findings.code, 1, findings.stderr);
    assert.match(findings.stdout, /manifest-schema/);
    const usage = cliProcess(['lint', '--format', 'yaml'], work.dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^certops lint: --format must be one of/);
    for (const r of [ok, findings, usage]) assert.doesNotMatch(r.stderr, STACK_LINE);
  });
});
