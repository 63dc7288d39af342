import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A manifest every built-in check accepts: one certificate, one issuer. */
export const CLEAN_MANIFEST = `version: 1
issuers:
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
certificates:
  - name: api
    issuer: internal
    commonName: api.example.com
    dnsNames: [api.example.com]
`;

/**
 * The clean manifest with two errors the loader itself reports, so the tests do not depend on
 * which policy rules exist: an unknown key (line 8, column 5) and an undefined issuer (line 6).
 */
export const BROKEN_MANIFEST = `version: 1
issuers:
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
certificates:
  - name: api
    issuer: internl
    commonName: api.example.com
    colour: blue
`;

/** A policy that enables no rule: findings then come from loading files alone. */
export const EMPTY_POLICY = 'version: 1\nrules: {}\n';

/** A fresh directory under the system temp dir, removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `certops-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** git with an identity and no user or system config, so the host's settings cannot leak in. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=certops test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
}

/** Writes the files and commits them; returns the new commit id. */
export function commit(dir: string, files: Record<string, string>, message: string): string {
  writeFiles(dir, files);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export function initRepo(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
}
