import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/**
 * Finds a system program a test needs. Missing: the test skips with a loud message, unless
 * CERTOPS_REQUIRE_SYSTEM=1 (CI), where a missing program fails the run.
 * Returns the absolute path, or undefined after skipping.
 */
export function requireProgram(t: TestContext, program: string, debianPackage: string): string | undefined {
  const path = findProgram(program);
  if (path) return path;
  const message = `MISSING SYSTEM PACKAGE: ${program} not found (apt-get install ${debianPackage}); this test did not run`;
  if (process.env.CERTOPS_REQUIRE_SYSTEM === '1') throw new Error(`${message}, and CERTOPS_REQUIRE_SYSTEM=1 makes that a failure`);
  process.stderr.write(`\n*** ${message} ***\n`);
  t.skip(message);
  return undefined;
}

export function findProgram(program: string): string | undefined {
  if (program.startsWith('/')) return existsSync(program) ? program : undefined;
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const candidate = `${dir}/${program}`;
    if (dir && existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('which', [program], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every program a test needs is there (else it skips loudly, or fails under
 * CERTOPS_REQUIRE_SYSTEM=1), and the fixture its before() built from them exists: a setup that
 * bailed out must fail the test, not let it pass without checking anything.
 */
export function readyWith(t: TestContext, programs: readonly (readonly [program: string, debianPackage: string])[], fixture: unknown): boolean {
  for (const [program, pkg] of programs) if (!requireProgram(t, program, pkg)) return false;
  if (!fixture) throw new Error('the fixture was not set up although every program it needs is installed: see before()');
  return true;
}
