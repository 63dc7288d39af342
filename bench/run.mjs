#!/usr/bin/env node
// Runs the benchmarks: every bench/<name>.ts|.mts|.mjs is one, run in a process of its own
// (TypeScript through tsx: benchmarks time their subjects in child processes, so tsx's start-up
// is never part of a figure). Helpers live in bench/lib/. Adding a benchmark is adding a file.
//
//   npm run bench                      every benchmark
//   npm run bench -- lint renewal      the named ones
//   npm run bench -- lint --runs=5     options go to the benchmarks (--name=value)
//   npm run bench -- --strict          exit 1 when a figure misses its bar
//
// A benchmark prints its figures and a PASS/FAIL line per bar (bench/lib/report.ts), and exits
// 0 unless it could not measure (or, under --strict, a bar failed).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, '..');
const SOURCE = /^(?!run\.)(.+)\.(ts|mts|mjs)$/;

const available = new Map();
for (const file of readdirSync(benchDir).sort()) {
  const m = SOURCE.exec(file);
  if (m && !file.endsWith('.d.ts')) available.set(m[1], file);
}

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('-'));
const passThrough = args.filter((a) => a.startsWith('-'));
const strict = passThrough.includes('--strict');
const unknown = names.filter((n) => !available.has(n));
if (unknown.length) {
  console.error(`bench: no benchmark named ${unknown.join(', ')}; there are: ${[...available.keys()].join(', ')}`);
  process.exit(2);
}
const chosen = names.length ? names : [...available.keys()];

const resultsDir = mkdtempSync(join(tmpdir(), 'certops-bench-'));
const resultsFile = join(resultsDir, 'results.jsonl');
const failedToRun = [];
for (const name of chosen) {
  const file = join(benchDir, available.get(name));
  const node = file.endsWith('.mjs') ? [file] : ['--import', 'tsx', file];
  const r = spawnSync(process.execPath, [...node, ...passThrough], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CERTOPS_BENCH_RESULTS: resultsFile },
  });
  if (r.status !== 0 && !(strict && r.status === 1)) failedToRun.push(`${name} (exit ${r.status ?? r.signal})`);
}

let results = [];
try {
  results = readFileSync(resultsFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // No benchmark reported a bar.
}
rmSync(resultsDir, { recursive: true, force: true });

const failed = results.filter((r) => !r.pass);
console.log(`\n== summary: ${results.length - failed.length} of ${results.length} bars met${failedToRun.length ? `; could not run: ${failedToRun.join(', ')}` : ''}`);
for (const r of failed) console.log(`  FAIL  ${r.benchmark}: ${r.name} ${r.value.toFixed(2)} ${r.unit} (bar <= ${r.limit} ${r.unit})`);
process.exit(failedToRun.length ? 2 : strict && failed.length ? 1 : 0);
