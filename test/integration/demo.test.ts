// npm run demo is the README's first command: it must keep walking the whole lifecycle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { ROOT } from '../helpers/action-runner.js';

before(() => {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, build.stderr);
});

it('npm run demo walks init, CA, lint, renew, PR check, deploy, report and audit offline', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/demo.mjs')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /branch certops\/renew: created/);
  assert.match(out, /0 errors, 0 warnings, 0 notices \(2 certificates checked; policies from the base revision\)/);
  assert.match(out, /2 deployed, 0 unchanged, 0 failed/);
  assert.match(out, /0 deployed, 2 unchanged, 0 failed/);
  assert.match(out, /wrote reports\/expiry\.md/);
  assert.match(out, /2 line\(s\), chain intact/);
  assert.match(out, /0 of 2 due/);
  assert.match(out, /2 of 2 due/);
  assert.match(out, /warning issued-state The key of \w+ is retired in certificates\.yaml/);
  assert.match(out, /DUE +key-rotation/);
  assert.match(out, /line 1 was edited/);
  assert.match(out, /The whole lifecycle took [\d.]+ s, offline\./);
});
