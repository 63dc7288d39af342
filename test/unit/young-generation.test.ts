import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';

// A burst of short-lived objects, as reading a large manifest makes; prints the young generation's size after it.
const burst = (keepSmall: boolean) => `
${keepSmall ? "import { keepYoungGenerationSmall } from './src/runtime/young-generation.ts'; keepYoungGenerationSmall();" : ''}
import { getHeapSpaceStatistics } from 'node:v8';
const kept = [];
for (let i = 0; i < 2e6; i++) { const o = { i, s: 'entry ' + i }; if (i % 20 === 0) kept.push(o); }
process.stdout.write(String(getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size));
`;
const newSpace = (keepSmall: boolean) => Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', burst(keepSmall)], { encoding: 'utf8' }));

it('keepYoungGenerationSmall stops V8 from growing the young generation in a burst of allocations', () => {
  const grown = newSpace(false);
  const kept = newSpace(true);
  assert.ok(kept <= 4 * 1024 * 1024, `the young generation grew to ${kept} bytes`);
  assert.ok(grown > kept, `without the setting it stayed at ${grown} bytes, so this test shows nothing`);
});
