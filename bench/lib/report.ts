// Printing figures and checking them against their bars, the same way in every benchmark.
import { appendFileSync } from 'node:fs';

export interface BarResult {
  benchmark: string;
  name: string;
  value: number;
  limit: number;
  unit: string;
  pass: boolean;
}

const results: BarResult[] = [];

/** Options every benchmark understands: `--strict` (exit 1 when a bar fails) and `--name=value`. */
export function benchArgs(argv = process.argv.slice(2)): { strict: boolean; options: Map<string, string> } {
  const options = new Map<string, string>();
  for (const arg of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(arg);
    if (m) options.set(m[1]!, m[2] ?? 'true');
  }
  return { strict: options.has('strict'), options };
}

export function heading(text: string): void {
  console.log(`\n== ${text}`);
}

export function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(34)} ${value}`);
}

export const ms = (v: number) => `${Math.round(v).toLocaleString('en')} ms`;
export const mb = (v: number) => (Number.isNaN(v) ? 'n/a' : `${v.toFixed(0)} MB`);
export const ratio = (v: number) => `${v.toFixed(2)}x`;

/**
 * Checks a figure against its bar (lower is better) and prints PASS or FAIL. The results also
 * go to $CERTOPS_BENCH_RESULTS (JSON lines) so bench/run.mjs can summarise every benchmark.
 */
export function bar(benchmark: string, name: string, value: number, limit: number, unit: string, show: (v: number) => string): boolean {
  const pass = Number.isFinite(value) && value <= limit;
  const result: BarResult = { benchmark, name, value, limit, unit, pass };
  results.push(result);
  console.log(`  ${pass ? 'PASS' : 'FAIL'}  ${name.padEnd(46)} ${show(value).padStart(10)}   bar <= ${show(limit)}`);
  const file = process.env.CERTOPS_BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(result)}\n`);
  return pass;
}

/** The process exit status: a failed bar counts only under --strict; a broken benchmark always does. */
export function exitStatus(strict: boolean): number {
  return strict && results.some((r) => !r.pass) ? 1 : 0;
}
