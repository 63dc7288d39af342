// The report benchmark (issue 5, "Performance"): expiry.md/.json/.svg, metrics.prom and
// evidence.md (lint included) for a 10,000-certificate repository with a 20,000-event audit
// ledger, in a fresh process, against the bars: <= 2 s wall and <= 300 MB peak RSS.
//
//   npm run bench -- report [--runs=N] [--certificates=N] [--events=N] [--strict]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LifecycleEvent } from '../src/events/event.js';
import { DAY_MS } from '../src/manifest/duration.js';
import { chainAfter } from '../src/report/ledger-file.js';
import { ROOT } from './lib/bundles.js';
import { BENCH_NOW, GENERATOR_VERSION, lintRepository } from './lib/lint-repo.js';
import { median, rssMethod, runNode, type Run } from './lib/measure.js';
import { bar, benchArgs, exitStatus, heading, line, mb, ms } from './lib/report.js';

const BARS = { wallMs: 2000, rssMb: 300 };
const { strict, options } = benchArgs();
const count = Number(options.get('certificates') ?? 10_000);
const events = Number(options.get('events') ?? 2 * count);
const runs = Number(options.get('runs') ?? 3);
// 40 days after the lint benchmark's instant: the 30-day certificates have expired, many 90-day
// ones are inside their renewal window, so every status bucket and the grouped chart are exercised.
const NOW = new Date(Date.parse(BENCH_NOW) + 40 * DAY_MS).toISOString();
const cacheDir = join(ROOT, '.cache', 'bench');
const scratch = mkdtempSync(join(tmpdir(), 'certops-bench-report-'));

function broken(message: string): never {
  console.error(`\nbench report: ${message}`);
  rmSync(scratch, { recursive: true, force: true });
  process.exit(2);
}

// The report core alone, bundled as the CLI bundle would carry it, so tsx's start-up is no part of
// the figure; and the floor: the shared loaders (manifest, lock file) and the renewal planner
// that any report must run, to show which part of the figure the report itself adds.
const { build } = await import('esbuild');
const bundle = async (name: string, contents: string) => {
  const outfile = join(cacheDir, name);
  await build({
    absWorkingDir: ROOT,
    stdin: { contents, resolveDir: ROOT, sourcefile: name.replace('.mjs', '.ts'), loader: 'ts' },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
};
const runner = await bundle('report-runner.mjs', `import { generateReports } from './src/report/generate-reports.ts';
import { keepYoungGenerationSmall } from './src/runtime/young-generation.ts';
keepYoungGenerationSmall(); // as dist/cli/index.js does
const [repoDir, now, lint] = process.argv.slice(2);
const t0 = performance.now();
const r = generateReports({ repoDir, now: new Date(now), write: true, lint: lint !== 'no-lint' });
const t1 = performance.now();
console.log(JSON.stringify({ ms: t1 - t0, timings: r.timings, changed: r.changed.length, total: r.report.total, counts: r.report.counts, ledgerOk: r.ledger.ok, ledgerLines: r.ledger.lines, alerts: r.alerts.length, sizes: Object.fromEntries(r.files.map((f) => [f.path, f.content.length])) }));`);
const floor = await bundle('report-floor.mjs', `import { readFileSync } from 'node:fs';
import { loadManifest } from './src/manifest/load-manifest.ts';
import { loadLock } from './src/manifest/lock-file.ts';
import { planRenewals } from './src/renewal/plan.ts';
const [repoDir, now] = process.argv.slice(2);
const m = loadManifest(readFileSync(repoDir + '/certificates.yaml', 'utf8'));
const l = loadLock(readFileSync(repoDir + '/certificates.lock.yaml', 'utf8'));
const p = planRenewals({ certificates: m.manifest.certificates, lock: l.lock, now: new Date(now) });
console.log(p.certificates.length);`);

heading(`report: ${count.toLocaleString('en')} certificates, ${events.toLocaleString('en')} ledger events`);
const cached = await lintRepository(join(cacheDir, `lint-${count >= 1000 && count % 1000 === 0 ? `${count / 1000}k` : count}`), count);
line('repository', `${cached.generated ? 'generated' : 'cached'} (bench/lib/lint-repo.ts, generator ${GENERATOR_VERSION}): ${cached.dir}`);
// A clone (hard links), so the ledger and reports written here never touch the shared cached repository.
const repo = join(scratch, 'repo');
execFileSync('git', ['clone', '--quiet', '--local', cached.dir, repo]);
const names = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(5, '0')}`);
const start = Date.parse(BENCH_NOW) - 60 * DAY_MS;
const ledger: LifecycleEvent[] = Array.from({ length: events }, (_, i) => ({
  timestamp: new Date(start + Math.floor((i * 100 * DAY_MS) / events)).toISOString().replace('.000Z', 'Z'),
  event_type: i % 2 ? 'certificate_deployed' : 'certificate_renewed',
  certificate_subject: `CN=${names[i % count]}`,
  certificate_serial: (i + 1).toString(16).toUpperCase().padStart(4, '0').replace(/(..)(?!$)/g, '$1:'),
  issuer: 'CN=certops bench intermediate',
  expiration_date: new Date(start + 90 * DAY_MS).toISOString(),
  deployment_status: i % 2 ? 'success' : 'n/a',
  target_systems: i % 2 ? ['edge'] : [],
  certificate: names[i % count]!,
  actor: 'certops[bot]',
  run_url: `https://github.com/example/certs/actions/runs/${1000 + (i >> 4)}`,
  ...(i % 2 ? {} : { message: `renewal pull request https://github.com/example/certs/pull/${100 + (i >> 4)}` }),
}));
mkdirSync(join(repo, 'reports'), { recursive: true });
writeFileSync(join(repo, 'reports', 'audit.jsonl'), chainAfter('', ledger).chunk);
execFileSync('git', ['-C', repo, 'add', 'reports/audit.jsonl']);
line('clock', NOW);
line('program', 'generateReports, bundled with esbuild (what dist/cli/index.js report runs)');
line('node', `${process.version}, peak RSS by ${rssMethod()}`);

function check(r: Run, what: string): { ms: number; timings: Record<string, number>; changed: number; total: number; counts: Record<string, number>; ledgerOk: boolean; ledgerLines: number; alerts: number; sizes: Record<string, number> } {
  if (r.status !== 0) broken(`${what} exited with ${r.status}:\n${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as ReturnType<typeof check>;
  if (out.total !== count) broken(`${what} reported ${out.total} certificates, expected ${count}`);
  if (!out.ledgerOk || out.ledgerLines !== events) broken(`${what}: the generated ledger did not verify (${out.ledgerLines} lines)`);
  return out;
}

const full: Run[] = [];
const noLint: Run[] = [];
const floors: Run[] = [];
let first: ReturnType<typeof check> | undefined;
let rerunChanged = -1;
// Interleaved, so a busier moment of the machine hits every variant alike.
for (let i = 0; i < runs; i++) {
  // Each measured run starts without reports, so every file is written.
  rmSync(join(repo, 'reports', 'expiry.json'), { force: true });
  noLint.push(runNode([runner, repo, NOW, 'no-lint'], { rss: true }));
  first ??= check(noLint.at(-1)!, 'report without lint');
  const again = check(runNode([runner, repo, NOW, 'no-lint']), 'report (rerun)');
  rerunChanged = again.changed;
  rmSync(join(repo, 'reports', 'expiry.json'), { force: true });
  const r = runNode([runner, repo, NOW, 'lint'], { rss: true });
  check(r, 'report with lint');
  full.push(r);
  const f = runNode([floor, repo, NOW], { rss: true });
  if (f.status !== 0 || Number(f.stdout.trim()) !== count) broken(`the floor failed: ${(f.stderr || f.stdout).slice(0, 500)}`);
  floors.push(f);
}
if (rerunChanged !== 0) broken(`a rerun with nothing changed rewrote ${rerunChanged} files`);
const phases = (r: Run) => (JSON.parse(r.stdout.trim().split('\n').pop()!) as { timings: Record<string, number> }).timings;
const medianPhases = (list: Run[]) => {
  const all = list.map(phases);
  return Object.keys(all[0]!).filter((k) => all[0]![k]! > 0).map((k) => `${k} ${Math.round(median(all.map((p) => p[k] ?? 0)))}`).join(', ');
};
line('statuses', Object.entries(first!.counts).map(([s, n]) => `${s} ${n}`).join(', '));
line('alerts', String(first!.alerts));
line('files', Object.entries(first!.sizes).map(([p, n]) => `${p.replace('reports/', '')} ${(n / 1024).toFixed(0)} KB`).join(', '));
line(`report, lint off: wall (median of ${runs})`, `${ms(median(noLint.map((r) => r.wallMs)))}   [${noLint.map((r) => Math.round(r.wallMs)).join(', ')}]`);
line('report, lint off: peak RSS', `${mb(median(noLint.map((r) => r.rssMb)))}   [${noLint.map((r) => mb(r.rssMb)).join(', ')}]`);
line('  phases (ms, median)', medianPhases(noLint));
line(`report with lint: wall (median of ${runs})`, `${ms(median(full.map((r) => r.wallMs)))}   [${full.map((r) => Math.round(r.wallMs)).join(', ')}]`);
line('report with lint: peak RSS', `${mb(median(full.map((r) => r.rssMb)))}   [${full.map((r) => mb(r.rssMb)).join(', ')}]`);
line('  phases (ms, median)', medianPhases(full));
line('floor: load manifest + lock, plan', `${ms(median(floors.map((r) => r.wallMs)))}, ${mb(median(floors.map((r) => r.rssMb)))}`);
line('rerun with nothing changed', `${rerunChanged} files changed`);
// The bars apply to the report as the report action runs it: with the repository linted for evidence.md.
bar('report', 'report wall time', median(full.map((r) => r.wallMs)), BARS.wallMs, 'ms', ms);
bar('report', 'report peak RSS', median(full.map((r) => r.rssMb)), BARS.rssMb, 'MB', mb);
bar('report', 'report wall time, lint off', median(noLint.map((r) => r.wallMs)), BARS.wallMs, 'ms', ms);
bar('report', 'report peak RSS, lint off', median(noLint.map((r) => r.rssMb)), BARS.rssMb, 'MB', mb);

rmSync(scratch, { recursive: true, force: true });
process.exitCode = exitStatus(strict);
