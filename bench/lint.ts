// The lint benchmark (issue 2, "Performance"): lint a 10,000-certificate repository in a fresh
// process and compare it with the floor (reading and parsing the same PEMs with node:crypto);
// then the lint action's cold start on a 10-certificate repository against `node -e 0`.
// Measured with this Node and, when scripts/node24-smoke.mjs has installed it, with Node 24
// (the runtime GitHub gives `runs.using: node24` actions).
//
//   npm run bench -- lint [--runs=N] [--cold-runs=N] [--certificates=N] [--no-build] [--node24=off] [--cold-only] [--strict]
//
// --cold-only skips the large repository and measures the cold start alone, for iterating on it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JsonReport } from '../src/policy/format-json.js';
import { bundles, ROOT, type Bundles } from './lib/bundles.js';
import { BENCH_NOW, GENERATOR_VERSION, lintRepository } from './lib/lint-repo.js';
import { median, node24, rssMethod, runNode, type Run } from './lib/measure.js';
import { bar, benchArgs, exitStatus, heading, line, mb, ms, ratio } from './lib/report.js';

const BARS = { wallMs: 2000, rssMb: 300, floorRatio: 3, coldStartRatio: 2.5 };
const FLOOR = fileURLToPath(new URL('./lib/floor.mjs', import.meta.url));

const { strict, options } = benchArgs();
const count = Number(options.get('certificates') ?? 10_000);
const runs = Number(options.get('runs') ?? 3);
const coldRuns = Number(options.get('cold-runs') ?? 15);
const coldOnly = options.get('cold-only') !== undefined;
const cacheDir = join(ROOT, '.cache', 'bench');
const scratch = mkdtempSync(join(tmpdir(), 'certops-bench-lint-'));

/** Fails the benchmark (not a bar): figures from a broken run would mean nothing. */
function broken(message: string): never {
  console.error(`\nbench lint: ${message}`);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(2);
}

function checkRun(what: string, r: Run): void {
  if (r.status !== 0) broken(`${what} exited with ${r.status}:\n${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
}

/** Lint must find the generated repository clean: linting a broken repository measures the wrong thing. */
function checkReport(output: string): JsonReport {
  const report = JSON.parse(readFileSync(output, 'utf8')) as JsonReport;
  if (report.counts.error > 0) {
    const sample = report.findings.filter((f) => f.severity === 'error').slice(0, 5).map((f) => `  ${f.file}:${f.line} ${f.ruleId}: ${f.message}`);
    broken(`lint found ${report.counts.error} error-level problems in the generated repository; the generator is wrong:\n${sample.join('\n')}`);
  }
  return report;
}

const dist = await bundles(options.get('no-build') === undefined);
const runtimes: { label: string; node: string }[] = [{ label: `node ${process.version}`, node: process.execPath }];
const n24 = options.get('node24') === 'off' ? undefined : node24(ROOT);
if (n24) runtimes.push({ label: `node ${execFileSync(n24, ['--version'], { encoding: 'utf8' }).trim()}`, node: n24 });

if (coldOnly) {
  await coldStart(dist);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(exitStatus(strict));
}

heading(`lint: ${count.toLocaleString('en')} certificates`);
for (const note of dist.notes) line('note', note);
const repo = await lintRepository(join(cacheDir, `lint-${count >= 1000 && count % 1000 === 0 ? `${count / 1000}k` : count}`), count);
if (repo.generated) {
  const total = Object.entries(repo.timings)
    .filter(([k]) => !k.includes(':'))
    .reduce((a, [, v]) => a + v, 0);
  line('repository', `generated in ${ms(total)} (generator ${GENERATOR_VERSION}): ${repo.dir}`);
  for (const [phase, t] of Object.entries(repo.timings)) line(`  ${phase}`, ms(t));
} else line('repository', `cached (generator ${GENERATOR_VERSION}): ${repo.dir}`);
line('program', dist.cli.what);
line('peak RSS', `of the lint process, by ${rssMethod()}`);
if (!n24) line('note', 'Node 24 not installed (node scripts/node24-smoke.mjs installs it into .cache/node24): measured on this Node only');

const output = join(scratch, 'lint.json');
for (const runtime of runtimes) {
  heading(`lint, ${count.toLocaleString('en')} certificates, ${runtime.label}`);
  const lintRuns: Run[] = [];
  const floorRuns: Run[] = [];
  let report: JsonReport | undefined;
  // Interleaved, so a slower moment of the machine hits both sides alike.
  for (let i = 0; i < runs; i++) {
    const floor = runNode([FLOOR, repo.dir], { rss: true, node: runtime.node });
    checkRun('the floor', floor);
    if (Number(floor.stdout.trim()) !== count) broken(`the floor parsed ${floor.stdout.trim()} certificates, expected ${count}`);
    floorRuns.push(floor);
    const lint = runNode(dist.cli.args(repo.dir, BENCH_NOW, output), { rss: true, node: runtime.node });
    checkRun('lint', lint);
    report ??= checkReport(output);
    lintRuns.push(lint);
  }
  const wall = median(lintRuns.map((r) => r.wallMs));
  const rss = median(lintRuns.map((r) => r.rssMb));
  const floorWall = median(floorRuns.map((r) => r.wallMs));
  line('findings', `${report!.counts.error} errors, ${report!.counts.warning} warnings, ${report!.counts.notice} notices`);
  line(`lint wall (median of ${runs})`, `${ms(wall)}   [${lintRuns.map((r) => Math.round(r.wallMs)).join(', ')}]`);
  line('lint peak RSS (median)', `${mb(rss)}   [${lintRuns.map((r) => mb(r.rssMb)).join(', ')}]`);
  line(`floor wall (median of ${runs})`, `${ms(floorWall)}   [${floorRuns.map((r) => Math.round(r.wallMs)).join(', ')}]`);
  line('floor peak RSS (median)', mb(median(floorRuns.map((r) => r.rssMb))));
  bar('lint', `lint wall time, ${runtime.label}`, wall, BARS.wallMs, 'ms', ms);
  bar('lint', `lint peak RSS, ${runtime.label}`, rss, BARS.rssMb, 'MB', mb);
  bar('lint', `lint / floor, ${runtime.label}`, wall / floorWall, BARS.floorRatio, 'x', ratio);
}

await coldStart(dist);
rmSync(scratch, { recursive: true, force: true });
process.exitCode = exitStatus(strict);

/** dist/lint/index.js as the runner starts it, on a 10-certificate repository, against `node -e 0`. */
async function coldStart(dist: Bundles): Promise<void> {
  if (!dist.lintAction) {
    heading('lint action cold start: 10 certificates');
    line('SKIP', 'dist/lint/index.js does not exist (npm run build)');
    return;
  }
  const small = await lintRepository(join(cacheDir, 'lint-10'), 10);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: small.dir, encoding: 'utf8' }).trim();
  const event = join(scratch, 'event.json');
  writeFileSync(event, JSON.stringify({ action: 'synchronize', number: 1, pull_request: { number: 1, base: { sha: head, ref: 'main' }, head: { sha: head, ref: 'feature' } } }));
  /** What the runner gives a node action: every input as INPUT_<NAME> (defaults filled in), and files for outputs and the summary. */
  const actionEnv = (eventName: string, n: number): NodeJS.ProcessEnv => {
    const out = join(scratch, `output-${n}`);
    const summary = join(scratch, `summary-${n}`);
    writeFileSync(out, '');
    writeFileSync(summary, '');
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: small.dir,
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: event,
      GITHUB_OUTPUT: out,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_REPOSITORY: 'example-org/certificates',
      GITHUB_SHA: head,
      GITHUB_SERVER_URL: 'https://github.com',
      RUNNER_TEMP: scratch,
      INPUT_REPO: '.',
      INPUT_MANIFEST: '',
      INPUT_POLICIES: '',
      INPUT_BASE: '',
      INPUT_NOW: BENCH_NOW,
      'INPUT_SARIF-FILE': join(scratch, 'certops.sarif'),
      'INPUT_FAIL-ON': 'error',
    };
  };
  const events = ['pull_request', 'push'];
  for (const runtime of runtimes) {
    heading(`lint action cold start: 10 certificates, ${runtime.label}`);
    const samples = new Map<string, number[]>([['node -e 0', []], ...events.map((e): [string, number[]] => [e, []])]);
    for (let i = 0; i < coldRuns; i++) {
      samples.get('node -e 0')!.push(runNode(['-e', '0'], { node: runtime.node }).wallMs);
      for (const eventName of events) {
        const env = actionEnv(eventName, i);
        const r = runNode([dist.lintAction], { env, cwd: small.dir, node: runtime.node });
        checkRun(`dist/lint/index.js (${eventName})`, r);
        const errors = /^errors<<(.+)\n(.*)\n\1$/m.exec(readFileSync(env.GITHUB_OUTPUT!, 'utf8'));
        if (errors?.[2] !== '0') broken(`dist/lint/index.js (${eventName}) did not report errors=0 in GITHUB_OUTPUT:\n${r.stdout.slice(0, 2000)}`);
        samples.get(eventName)!.push(r.wallMs);
      }
    }
    const base = median(samples.get('node -e 0')!);
    line(`node -e 0 (median of ${coldRuns})`, ms(base));
    for (const eventName of events) line(`dist/lint/index.js, ${eventName}`, ms(median(samples.get(eventName)!)));
    for (const eventName of events) bar('lint', `cold start (${eventName}), ${runtime.label}`, median(samples.get(eventName)!) / base, BARS.coldStartRatio, 'x', ratio);
  }
}
