#!/usr/bin/env node
// Writes the inputs and outputs of every action into README.md, between
// <!-- action:NAME --> and <!-- /action:NAME --> markers, from its action.yml: the README
// cannot drift from what the actions accept. `--check` exits 1 when README.md is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ACTIONS = { root: 'action.yml', lint: 'actions/lint/action.yml', renew: 'actions/renew/action.yml', deploy: 'actions/deploy/action.yml', report: 'actions/report/action.yml' };
const cell = (s) => String(s ?? '').replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|');

export function renderAction(file) {
  const action = load(readFileSync(join(root, file), 'utf8'));
  const lines = ['| input | required | default | description |', '|---|---|---|---|'];
  for (const [name, spec] of Object.entries(action.inputs ?? {})) {
    const def = spec.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``;
    lines.push(`| \`${name}\` | ${spec.required ? 'yes' : 'no'} | ${def} | ${cell(spec.description)} |`);
  }
  lines.push('', '| output | description |', '|---|---|');
  for (const [name, spec] of Object.entries(action.outputs ?? {})) lines.push(`| \`${name}\` | ${cell(spec.description)} |`);
  return lines.join('\n');
}

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
let next = readme;
for (const [name, file] of Object.entries(ACTIONS)) {
  const open = `<!-- action:${name} -->`;
  const close = `<!-- /action:${name} -->`;
  const a = next.indexOf(open);
  const b = next.indexOf(close);
  if (a === -1 || b === -1) {
    console.error(`README.md has no ${open} ... ${close} section`);
    process.exit(1);
  }
  next = `${next.slice(0, a + open.length)}\n${renderAction(file)}\n${next.slice(b)}`;
}
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md is stale: run node scripts/readme.mjs');
    process.exit(1);
  }
} else if (next !== readme) writeFileSync(readmePath, next);
