// Stand-in for `certops lint --format json --output FILE` while dist/cli is not built: the same
// core call, bundled by bench/lib/bundles.ts so the measured process never loads tsx.
import { writeFileSync } from 'node:fs';
import { runLint } from '../../src/policy/lint.js';
import { formatJson } from '../../src/policy/format-json.js';

const [repoDir, now, output] = process.argv.slice(2);
if (!repoDir || !now || !output) {
  process.stderr.write('usage: lint-runner <repo> <now> <output>\n');
  process.exit(2);
}
const result = runLint({ repoDir, now: new Date(now) });
writeFileSync(output, formatJson(result));
process.exitCode = result.counts.error > 0 ? 1 : 0;
