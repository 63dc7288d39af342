import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Finding } from '../../src/findings.js';
import { countFindings } from '../../src/findings.js';
import { BUILTIN_RULE_METADATA } from '../../src/policy/builtin-rule-metadata.js';
import { formatJson } from '../../src/policy/format-json.js';
import { formatText } from '../../src/policy/format-text.js';
import { runLint } from '../../src/policy/lint.js';
import { RULES } from '../../src/policy/rules/index.js';
import { formatSarif, ruleMetadata, toSarif, type SarifLog } from '../../src/policy/sarif.js';
import { VERSION } from '../../src/version.js';
import { BROKEN_MANIFEST, EMPTY_POLICY, tempDir, writeFiles } from '../helpers/lint-repo.js';
import { sarifSchemaErrors, validateSarif } from '../helpers/sarif-schema.js';

function assertValidSarif(log: unknown): void {
  const errors = sarifSchemaErrors(log);
  assert.equal(errors, undefined, `SARIF does not match the 2.1.0 schema: ${errors}`);
}

/** What code scanning checks beyond the schema: every result's rule is described, at its index. */
function assertCodeScanningReady(log: SarifLog): void {
  assert.equal(log.runs.length, 1);
  const run = log.runs[0]!;
  const ids = run.tool.driver.rules.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'rule ids are unique');
  for (const r of run.results) {
    assert.equal(ids[r.ruleIndex], r.ruleId, `ruleIndex of ${r.ruleId} points at its descriptor`);
    const { uri } = r.locations[0].physicalLocation.artifactLocation;
    assert.doesNotMatch(uri, /^([a-z]+:|\/)/i, 'URIs are relative to the checkout');
    assert.ok(r.locations[0].physicalLocation.region.startLine >= 1);
    assert.ok(r.locations[0].physicalLocation.region.startColumn >= 1);
  }
}

const someRule = [...RULES.keys()][0];
const FINDINGS: Finding[] = [
  { ruleId: 'manifest-schema', severity: 'error', message: 'Unknown key "colour" in certificates[0].', file: 'certificates.yaml', line: 8, column: 5, path: '/certificates/0/colour' },
  { ruleId: 'manifest-reference', severity: 'error', message: 'issuer "internl" is not defined.', certificate: 'api', file: 'certificates.yaml', line: 6, column: 13 },
  { ruleId: 'policy-syntax', severity: 'warning', message: 'bad <yaml> & "quotes"\nsecond line', file: 'policies/my policy#1.yaml', line: 2, column: 1 },
  { ruleId: 'lock-schema', severity: 'notice', message: 'a notice', file: 'certificates.lock.yaml', line: 1, column: 1 },
  { ruleId: 'made-up-rule', severity: 'notice', message: 'from a rule no table knows', file: 'certificates.yaml', line: 1, column: 1 },
  ...(someRule ? [{ ruleId: someRule, severity: 'warning' as const, message: 'a policy rule', certificate: 'web', file: 'certificates.yaml', line: 12, column: 7 }] : []),
];

describe('SARIF', () => {
  test('a log with every severity, built-in, policy and unknown rules matches the SARIF 2.1.0 schema', () => {
    const log = toSarif(FINDINGS);
    assertValidSarif(log);
    assertCodeScanningReady(log);
    const driver = log.runs[0]!.tool.driver;
    assert.equal(driver.name, 'certops');
    assert.equal(driver.version, VERSION);
    assert.deepEqual(
      driver.rules.map((r) => r.id),
      [...new Set(FINDINGS.map((f) => f.ruleId))].sort(),
    );
    assert.deepEqual(
      log.runs[0]!.results.map((r) => r.level),
      FINDINGS.map((f) => ({ error: 'error', warning: 'warning', notice: 'note' })[f.severity]),
    );
  });

  test('the schema check is live: a log that breaks the schema is rejected', () => {
    const log = JSON.parse(formatSarif(FINDINGS)) as { runs: { results: { level: string }[] }[] };
    log.runs[0]!.results[0]!.level = 'fatal';
    assert.equal(validateSarif(log), false);
    const noVersion = JSON.parse(formatSarif(FINDINGS)) as Record<string, unknown>;
    delete noVersion.version;
    assert.equal(validateSarif(noVersion), false);
  });

  test('an empty run is valid and still names the tool', () => {
    const log = toSarif([]);
    assertValidSarif(log);
    assert.deepEqual(log.runs[0]!.results, []);
    assert.deepEqual(log.runs[0]!.tool.driver.rules, []);
  });

  test('rule metadata: built-in ids from the table, policy rules from RULES, unknown ids get a fallback', () => {
    const log = toSarif(FINDINGS);
    const rules = new Map(log.runs[0]!.tool.driver.rules.map((r) => [r.id, r]));
    const schema = rules.get('manifest-schema')!;
    assert.equal(schema.shortDescription.text, BUILTIN_RULE_METADATA.get('manifest-schema')!.summary);
    assert.equal(schema.help.text, BUILTIN_RULE_METADATA.get('manifest-schema')!.help);
    assert.equal(schema.name, 'ManifestSchema');
    assert.match(rules.get('made-up-rule')!.shortDescription.text, /made-up-rule/);
    for (const [id, rule] of RULES) {
      assert.equal(ruleMetadata(id).summary, rule.summary);
      assert.equal(ruleMetadata(id).help, rule.help);
    }
    if (someRule) assert.equal(rules.get(someRule)!.help.text, RULES.get(someRule)!.help);
  });

  test('every load-time rule id the core emits has table metadata', () => {
    for (const id of ['manifest-missing', 'manifest-syntax', 'manifest-schema', 'manifest-reference', 'manifest-duplicate', 'lock-syntax', 'lock-schema', 'policy-syntax', 'policy-schema']) {
      const meta = BUILTIN_RULE_METADATA.get(id);
      assert.ok(meta, `${id} has metadata`);
      assert.ok(meta.summary.length > 10 && meta.help.length > 20, `${id} has a summary and help`);
    }
  });

  test('locations: repository-relative, percent-encoded, prefixed when the repo is a subfolder', () => {
    const plain = toSarif(FINDINGS).runs[0]!.results;
    assert.equal(plain[0]!.locations[0].physicalLocation.artifactLocation.uri, 'certificates.yaml');
    assert.deepEqual(plain[0]!.locations[0].physicalLocation.region, { startLine: 8, startColumn: 5 });
    assert.equal(plain[2]!.locations[0].physicalLocation.artifactLocation.uri, 'policies/my%20policy%231.yaml');
    const prefixed = toSarif(FINDINGS, { pathPrefix: 'infra/pki/' }).runs[0]!.results;
    assert.equal(prefixed[0]!.locations[0].physicalLocation.artifactLocation.uri, 'infra/pki/certificates.yaml');
    assert.deepEqual(plain[1]!.properties, { certificate: 'api' });
  });

  test('fingerprints ignore the message and the line, and tell repeats apart', () => {
    const a = toSarif([FINDINGS[1]!]).runs[0]!.results[0]!;
    const moved = toSarif([{ ...FINDINGS[1]!, line: 40, message: 'reworded' }]).runs[0]!.results[0]!;
    assert.deepEqual(a.partialFingerprints, moved.partialFingerprints);
    const twice = toSarif([FINDINGS[3]!, FINDINGS[3]!]).runs[0]!.results;
    assert.notEqual(twice[0]!.partialFingerprints['certopsFinding/v1'], twice[1]!.partialFingerprints['certopsFinding/v1']);
  });

  test('same findings, same bytes', () => {
    assert.equal(formatSarif(FINDINGS), formatSarif(FINDINGS.map((f) => ({ ...f }))));
    assert.doesNotMatch(formatSarif(FINDINGS), /\d{4}-\d{2}-\d{2}T/, 'no timestamps');
  });

  test('informationUri comes from the caller when given', () => {
    const log = toSarif(FINDINGS, { informationUri: 'https://github.com/example/certops' });
    assert.equal(log.runs[0]!.tool.driver.informationUri, 'https://github.com/example/certops');
    assertValidSarif(log);
  });

  describe('from a real lint run', () => {
    const repo = tempDir('sarif');
    after(repo.remove);
    test('the findings of a broken repository make a valid SARIF log', () => {
      writeFiles(repo.dir, { 'certificates.yaml': BROKEN_MANIFEST, 'policies/empty.yaml': EMPTY_POLICY, 'policies/broken.yaml': 'version: 1\nrules: [\n' });
      const result = runLint({ repoDir: repo.dir, now: new Date('2026-01-01T00:00:00Z') });
      assert.ok(result.findings.length >= 3, 'manifest-reference, manifest-schema and policy-syntax at least');
      const log = JSON.parse(formatSarif(result.findings)) as SarifLog;
      assertValidSarif(log);
      assertCodeScanningReady(log);
      const ids = log.runs[0]!.results.map((r) => r.ruleId);
      for (const id of ['manifest-reference', 'manifest-schema', 'policy-syntax']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
    });
  });
});

describe('text format', () => {
  test('one file:line:col severity ruleId message line per finding, then the counts', () => {
    const text = formatText({ findings: FINDINGS.slice(0, 4), counts: countFindings(FINDINGS.slice(0, 4)), certificates: 3, policySource: 'base-revision' });
    const lines = text.split('\n');
    assert.equal(lines[0], 'certificates.yaml:8:5 error manifest-schema Unknown key "colour" in certificates[0].');
    assert.equal(lines[1], 'certificates.yaml:6:13 error manifest-reference issuer "internl" is not defined.');
    assert.equal(lines[2], 'policies/my policy#1.yaml:2:1 warning policy-syntax bad <yaml> & "quotes" second line', 'a message stays on one line');
    assert.equal(lines[3], 'certificates.lock.yaml:1:1 notice lock-schema a notice');
    assert.equal(lines[4], '2 errors, 1 warning, 1 notice (3 certificates checked; policies from the base revision)');
    assert.equal(lines[5], '');
    assert.equal(lines.length, 6);
  });

  test('no findings: only the counts', () => {
    assert.equal(formatText({ findings: [], counts: countFindings([]) }), '0 errors, 0 warnings, 0 notices\n');
  });
});

describe('JSON format', () => {
  test('findings carry exactly ruleId, severity, message, certificate when there is one, file, line, column', () => {
    const report = JSON.parse(formatJson({ findings: FINDINGS.slice(0, 4), counts: countFindings(FINDINGS.slice(0, 4)) })) as {
      findings: Record<string, unknown>[];
      counts: Record<string, number>;
    };
    assert.deepEqual(Object.keys(report), ['findings', 'counts']);
    assert.deepEqual(Object.keys(report.findings[0]!), ['ruleId', 'severity', 'message', 'file', 'line', 'column']);
    assert.deepEqual(Object.keys(report.findings[1]!), ['ruleId', 'severity', 'message', 'certificate', 'file', 'line', 'column']);
    assert.deepEqual(report.findings[1], {
      ruleId: 'manifest-reference',
      severity: 'error',
      message: 'issuer "internl" is not defined.',
      certificate: 'api',
      file: 'certificates.yaml',
      line: 6,
      column: 13,
    });
    assert.deepEqual(report.counts, { error: 2, warning: 1, notice: 1 });
  });
});
