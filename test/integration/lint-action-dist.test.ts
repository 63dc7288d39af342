// Runs the built bundles the way the GitHub runner does: `node dist/lint/index.js` with the
// inputs in INPUT_* variables (defaults from action.yml filled in, as the runner does), outputs
// and summary going to files, and the pull_request event in GITHUB_EVENT_PATH.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BROKEN_MANIFEST, CLEAN_MANIFEST, commit, EMPTY_POLICY, initRepo, tempDir } from '../helpers/lint-repo.js';
import { sarifSchemaErrors } from '../helpers/sarif-schema.js';
import { ROOT, runAction, type Run } from '../helpers/action-runner.js';

const NOW = '2026-01-01T00:00:00Z';

const lint = (opts: Parameters<typeof runAction>[2]) => runAction('dist/lint/index.js', 'actions/lint/action.yml', opts);
const rootAction = (opts: Parameters<typeof runAction>[2]) => runAction('dist/main/index.js', 'action.yml', opts);

const work = tempDir('action');
const repo = join(work.dir, 'workspace');
let baseSha = '';
let headSha = '';

before(() => {
  // Build as CI does, so the test checks what would be committed; esbuild takes about a second.
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build failed:\n${build.stderr}`);

  // Two commits: the base has a sound policy; the head breaks the manifest and the policy file.
  mkdirSync(repo, { recursive: true });
  initRepo(repo);
  baseSha = commit(repo, { 'certificates.yaml': CLEAN_MANIFEST, 'policies/base.yaml': EMPTY_POLICY }, 'base');
  headSha = commit(repo, { 'certificates.yaml': BROKEN_MANIFEST, 'policies/base.yaml': 'version: 1\nrules: [\n' }, 'head');
});
after(work.remove);

const pullRequest = () => ({ name: 'pull_request', payload: { action: 'synchronize', number: 7, pull_request: { number: 7, base: { sha: baseSha, ref: 'main' }, head: { sha: headSha, ref: 'feature' } } } });

describe('dist/lint/index.js on a pull request', () => {
  let run: Run;
  before(async () => {
    run = await lint({ workspace: repo, inputs: { now: NOW }, event: pullRequest() });
  });

  test('fails the step (exit 1) with one setFailed line', async () => {
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const failed = run.annotations.filter((a) => a.level === 'error' && !a.properties.file);
    assert.equal(failed.length, 1);
    assert.match(failed[0]!.message, /^certops lint: 2 findings at or above fail-on: error \(2 errors, 0 warnings, 0 notices\)/);
    assert.equal(run.stderr, '');
  });

  test('annotates each finding at its file, line and column, titled with the rule id', async () => {
    const located = run.annotations.filter((a) => a.properties.file);
    assert.deepEqual(located, [
      {
        level: 'error',
        properties: { title: 'manifest-reference', file: 'certificates.yaml', line: '6', col: '13' },
        message: 'issuer "internl" is not defined under issuers. Did you mean "internal"?',
      },
      {
        level: 'error',
        properties: { title: 'manifest-schema', file: 'certificates.yaml', line: '8', col: '5' },
        message: located[1]!.message,
      },
    ]);
    assert.match(located[1]!.message, /^Unknown key "colour"/);
    assert.match(run.stdout, /^::error title=manifest-schema,file=certificates\.yaml,line=8,col=5::Unknown key/m);
  });

  test('reads the policy from the base commit: the broken policy file at the head is not used', async () => {
    assert.ok(!run.annotations.some((a) => a.properties.title === 'policy-syntax'), 'no policy-syntax finding');
    assert.match(run.stdout, new RegExp(`policies from ${baseSha} \\(the pull request base\\)`));
  });

  test('sets the outputs errors, warnings, findings and sarif-file', async () => {
    assert.equal(run.outputs.errors, '2');
    assert.equal(run.outputs.warnings, '0');
    const findings = JSON.parse(run.outputs.findings!) as Record<string, unknown>[];
    assert.deepEqual(
      findings.map((f) => [f.ruleId, f.severity, f.file, f.line, f.column]),
      [
        ['manifest-reference', 'error', 'certificates.yaml', 6, 13],
        ['manifest-schema', 'error', 'certificates.yaml', 8, 5],
      ],
    );
    assert.equal(findings[0]!.certificate, 'api');
    assert.equal(run.outputs['sarif-file'], join(repo, 'certops.sarif'));
  });

  test('writes a SARIF 2.1.0 file with both results', async () => {
    const log = JSON.parse(readFileSync(run.outputs['sarif-file']!, 'utf8')) as { runs: { results: { ruleId: string; level: string }[] }[] };
    assert.equal(sarifSchemaErrors(log), undefined);
    assert.deepEqual(
      log.runs[0]!.results.map((r) => [r.ruleId, r.level]),
      [
        ['manifest-reference', 'error'],
        ['manifest-schema', 'error'],
      ],
    );
  });

  test('writes a job summary with the counts and a table of the findings', async () => {
    assert.match(run.summary, /<h2>certops lint<\/h2>/);
    assert.match(run.summary, /<strong>2 errors, 0 warnings, 0 notices<\/strong>: 0 certificates checked against policies from the base revision \(<code>[0-9a-f]{40}<\/code>\)\./);
    assert.match(run.summary, /<th>Severity<\/th><th>Rule<\/th><th>Certificate<\/th><th>Location<\/th><th>Message<\/th>/);
    const rows = run.summary.match(/<tr><td>.*?<\/tr>/g) ?? [];
    assert.equal(rows.length, 2);
    for (const row of rows) assert.equal(row.match(/<td>/g)!.length, row.match(/<\/td>/g)!.length, `balanced cells in ${row}`);
    assert.match(run.summary, /<td><code>manifest-schema<\/code><\/td><td>—<\/td><td><code>certificates\.yaml:8:5<\/code><\/td><td>Unknown key &#34;colour&#34;/);
  });
});

describe('dist/lint/index.js: other events and inputs', () => {
  test('without a pull request the working tree policy applies: the broken policy file is a finding', async () => {
    const run = await lint({ workspace: repo, inputs: { now: NOW, 'fail-on': 'never' }, event: { name: 'push', payload: { after: headSha } } });
    assert.equal(run.code, 0, 'fail-on: never reports without failing');
    assert.ok(run.annotations.some((a) => a.properties.title === 'policy-syntax' && a.properties.file === 'policies/base.yaml'));
    assert.equal(run.outputs.errors, '3');
  });

  test('an explicit base input wins over the event', async () => {
    const run = await lint({ workspace: repo, inputs: { now: NOW, base: headSha }, event: pullRequest() });
    assert.ok(run.annotations.some((a) => a.properties.title === 'policy-syntax'), 'the head policy is broken');
  });

  test('a repo input below the workspace: annotation and SARIF paths are relative to the workspace', async () => {
    const run = await lint({ workspace: work.dir, inputs: { now: NOW, repo: 'workspace', 'sarif-file': 'out/lint.sarif' }, event: pullRequest() });
    assert.equal(run.code, 1);
    const files = new Set(run.annotations.filter((a) => a.properties.file).map((a) => a.properties.file));
    assert.deepEqual([...files], ['workspace/certificates.yaml']);
    assert.equal(run.outputs['sarif-file'], join(work.dir, 'out/lint.sarif'));
    const log = JSON.parse(readFileSync(join(work.dir, 'out/lint.sarif'), 'utf8')) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    assert.equal(log.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri, 'workspace/certificates.yaml');
  });

  test('a clean repository passes with an empty findings output and a summary saying so', async () => {
    const clean = join(work.dir, 'clean');
    mkdirSync(clean);
    initRepo(clean);
    commit(clean, { 'certificates.yaml': CLEAN_MANIFEST, 'policies/base.yaml': EMPTY_POLICY }, 'clean');
    const run = await lint({ workspace: clean, inputs: { now: NOW } });
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual(run.annotations, []);
    assert.equal(run.outputs.errors, '0');
    assert.equal(run.outputs.findings, '[]');
    assert.match(run.summary, /No findings/);
    assert.ok(existsSync(join(clean, 'certops.sarif')));
  });

  test('the summary table stops at 200 rows and says where the rest are', async () => {
    const many = join(work.dir, 'many');
    mkdirSync(many);
    initRepo(many);
    const certs = Array.from({ length: 210 }, (_, i) => `  - { name: c${i}, issuer: internal, commonName: c${i}.example.com, colour: blue }`).join('\n');
    commit(many, { 'certificates.yaml': `${CLEAN_MANIFEST}${certs}\n`, 'policies/base.yaml': EMPTY_POLICY }, 'many');
    const run = await lint({ workspace: many, inputs: { now: NOW } });
    assert.equal(run.outputs.errors, '210');
    assert.equal((run.summary.match(/<tr><td>/g) ?? []).length, 200);
    assert.match(run.summary, /Showing the first 200 of 210 findings; the annotations and the SARIF file \(<code>certops\.sarif<\/code>\) have them all\./);
    assert.equal(run.annotations.filter((a) => a.properties.file).length, 210);
    assert.equal((JSON.parse(run.outputs.findings!) as unknown[]).length, 210);
  });

  test('SARIF names the repository the action was fetched from as informationUri', async () => {
    const run = await lint({ workspace: repo, inputs: { now: NOW, 'fail-on': 'never' }, env: { GITHUB_ACTION_REPOSITORY: 'example/certops', GITHUB_SERVER_URL: 'https://github.example' } });
    const log = JSON.parse(readFileSync(run.outputs['sarif-file']!, 'utf8')) as { runs: { tool: { driver: { informationUri?: string } } }[] };
    assert.equal(log.runs[0]!.tool.driver.informationUri, 'https://github.example/example/certops');
  });

  test('fail-on: warning fails on errors too; a bad fail-on or now input fails with what was expected', async () => {
    assert.equal((await lint({ workspace: repo, inputs: { now: NOW, 'fail-on': 'warning' }, event: pullRequest() })).code, 1);
    const badFailOn = await lint({ workspace: repo, inputs: { now: NOW, 'fail-on': 'sometimes' } });
    assert.equal(badFailOn.code, 1);
    assert.match(badFailOn.stdout, /^::error::Input "fail-on" must be one of error, warning, never; got "sometimes"\.$/m);
    const badNow = await lint({ workspace: repo, inputs: { now: 'tomorrow' } });
    assert.equal(badNow.code, 1);
    assert.match(badNow.stdout, /^::error::Input "now" must be an ISO-8601 date/m);
    const badRepo = await lint({ workspace: repo, inputs: { repo: 'no-such-dir' } });
    assert.equal(badRepo.code, 1);
    assert.match(badRepo.stdout, /^::error::Input "repo" must be a directory in the workspace .*no-such-dir is not one/m);
    for (const r of [badFailOn, badNow, badRepo]) assert.doesNotMatch(r.stdout + r.stderr, /^\s+at /m, 'no stack trace');
  });

  test('a base commit missing from the checkout fails with how to fetch it', async () => {
    const run = await lint({ workspace: repo, inputs: { now: NOW, base: '0123456789abcdef0123456789abcdef01234567' } });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /^::error::git revision "0123456789abcdef0123456789abcdef01234567" does not exist .*fetch-depth: 0/m);
  });
});

describe('dist/main/index.js (the root action)', () => {
  test('command: lint runs the lint action', async () => {
    const run = await rootAction({ workspace: repo, inputs: { command: 'lint', now: NOW }, event: pullRequest() });
    assert.equal(run.code, 1);
    assert.equal(run.outputs.errors, '2');
    assert.ok(run.annotations.some((a) => a.properties.title === 'manifest-schema'));
  });

  test('an unknown command and none each fail clearly', async () => {
    const bogus = await rootAction({ workspace: repo, inputs: { command: 'lnit' } });
    assert.match(bogus.stdout, /^::error::Input "command" must be one of lint, renew, deploy, report; got "lnit"\.$/m);
    const none = await rootAction({ workspace: repo, inputs: {} });
    assert.match(none.stdout, /^::error::Input "command" is required: one of lint, renew, deploy, report\.$/m);
  });
});
