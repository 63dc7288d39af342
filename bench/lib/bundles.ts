// The programs benchmarks measure: the committed bundles in dist/, rebuilt first when a source
// is newer than they are, so a figure always belongs to the code in the tree.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export interface Bundles {
  /** dist/cli/index.js, or a private bundle of the lint core when there is no CLI bundle. */
  cli: { path: string; args: (repo: string, now: string, output: string) => string[]; what: string };
  /** dist/lint/index.js when it exists. */
  lintAction?: string;
  notes: string[];
}

/**
 * `build`: rebuild dist/ (npm run build) when it is missing or older than src/, package-lock.json
 * or scripts/build.mjs. Without it, stale bundles are measured as they are, with a warning.
 */
export async function bundles(build: boolean): Promise<Bundles> {
  const notes: string[] = [];
  const cli = join(ROOT, 'dist', 'cli', 'index.js');
  const lint = join(ROOT, 'dist', 'lint', 'index.js');
  const buildScript = join(ROOT, 'scripts', 'build.mjs');
  const inputs = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'package-lock.json')), existsSync(buildScript) ? newestMtime(buildScript) : 0);
  const outputs = [cli, lint].filter(existsSync);
  const stale = outputs.length < 2 || outputs.some((p) => statSync(p).mtimeMs < inputs);
  if (stale && build && existsSync(buildScript)) {
    const r = spawnSync(process.execPath, [buildScript], { cwd: ROOT, encoding: 'utf8' });
    if (r.status === 0) notes.push('dist/ was missing or older than src/: rebuilt it with npm run build');
    else notes.push(`npm run build failed, measuring dist/ as it is: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ')}`);
  } else if (stale && outputs.length) {
    notes.push('WARNING: dist/ is older than src/ and was not rebuilt (--no-build): the figures are for the old code');
  }
  const result: Bundles = { notes, cli: { path: cli, args: (repo, now, output) => [cli, 'lint', '--repo', repo, '--now', now, '--format', 'json', '--output', output], what: 'node dist/cli/index.js lint' } };
  if (!existsSync(cli)) {
    const runner = join(ROOT, '.cache', 'bench', 'lint-runner.mjs');
    const { build: esbuild } = await import('esbuild');
    await esbuild({
      absWorkingDir: ROOT,
      entryPoints: [join(ROOT, 'bench', 'lib', 'lint-runner.ts')],
      outfile: runner,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      minify: true,
      banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
      logLevel: 'error',
    });
    result.cli = { path: runner, args: (repo, now, output) => [runner, repo, now, output], what: 'a bundle of runLint (dist/cli/index.js is not built)' };
    notes.push('dist/cli/index.js does not exist: measuring bench/lib/lint-runner.ts, bundled with esbuild');
  }
  if (existsSync(lint)) result.lintAction = lint;
  return result;
}
