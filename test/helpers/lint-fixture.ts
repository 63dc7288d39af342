import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Finding } from '../../src/findings.js';
import { runLint, type LintResult } from '../../src/policy/lint.js';

export interface Fixture {
  manifest: string;
  /** policies/<name> -> YAML; omitted: the built-in baseline applies. */
  policies?: Record<string, string>;
  /** Any other file: path -> content. */
  files?: Record<string, string | Buffer>;
  now?: string;
}

/** Writes a repository to a temp dir, lints it and removes it. */
export function lintFixture(fixture: Fixture): LintResult {
  const dir = mkdtempSync(join(tmpdir(), 'certops-lint-'));
  try {
    const write = (path: string, content: string | Buffer) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    };
    write('certificates.yaml', fixture.manifest);
    for (const [name, text] of Object.entries(fixture.policies ?? {})) write(`policies/${name}`, text);
    for (const [path, content] of Object.entries(fixture.files ?? {})) write(path, content);
    return runLint({ repoDir: dir, now: new Date(fixture.now ?? '2026-11-27T00:00:00Z') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function byRule(findings: Finding[], ruleId: string): Finding[] {
  return findings.filter((f) => f.ruleId === ruleId);
}

/** A manifest with one certificate whose fields are given as YAML lines (indented under the list item). */
export function manifestWith(certLines: string, extra = ''): string {
  return `version: 1
defaults: { issuer: internal }
owners:
  team: [alice]
issuers:
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
  public: { acme: { directory: https://acme.example/directory } }
targets:
  edge: { files: { dir: /tmp/certs } }
${extra}certificates:
  - name: web
    owners: [team]
    deploy: [edge]
${certLines}
`;
}

/** A policy file enabling one rule with the given parameters (YAML flow mapping body). */
export function policyWith(rule: string, params: string, select = ''): Record<string, string> {
  return { 'p.yaml': `version: 1\n${select}rules:\n  ${rule}: { severity: error${params ? `, ${params}` : ''} }\n` };
}
