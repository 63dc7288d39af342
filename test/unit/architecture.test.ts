import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

it('the core (src/ minus src/actions and src/cli) never imports @actions/*', () => {
  const offenders = sources('src')
    .filter((p) => !p.startsWith(join('src', 'actions')) && !p.startsWith(join('src', 'cli')))
    .filter((p) => /^\s*(import|export)[^;]*from\s+['"]@actions\//m.test(readFileSync(p, 'utf8')) || /import\(\s*['"]@actions\//.test(readFileSync(p, 'utf8')));
  assert.deepEqual(offenders, []);
});

it('@peculiar/x509 is imported only through src/pki/x509.ts, after reflect-metadata', () => {
  const offenders = sources('src').filter((p) => p !== join('src', 'pki', 'x509.ts') && /from\s+['"]@peculiar\/x509['"]/.test(readFileSync(p, 'utf8')));
  assert.deepEqual(offenders, []);
  const x509 = readFileSync(join('src', 'pki', 'x509.ts'), 'utf8');
  assert.ok(x509.indexOf("'reflect-metadata'") < x509.indexOf("'@peculiar/x509'"));
});
