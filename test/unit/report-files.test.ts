import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import expirySchema from '../../schema/expiry-report.schema.json' with { type: 'json' };
import type { LifecycleEvent } from '../../src/events/event.js';
import { DAY_MS } from '../../src/manifest/duration.js';
import { chainAfter } from '../../src/report/ledger-file.js';
import { generateReports, ReportInputError, ThresholdError, type ExpiryReport } from '../../src/report/index.js';
import { renderMetrics } from '../../src/report/metrics-prom.js';
import { mdCell } from '../../src/report/format.js';

const FIXTURE = new URL('../fixtures/report/repo/', import.meta.url).pathname;
const EXPECTED = new URL('../fixtures/report/expected/', import.meta.url).pathname;
const NOW = new Date('2026-03-15T12:00:00Z');
const FILES = ['expiry.md', 'expiry.json', 'expiry.svg', 'metrics.prom', 'evidence.md'];

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh copy of the fixture repository (outside any git checkout, so nothing else leaks in). */
function fixtureRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'certops-report-'));
  dirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

type AddFormats = (ajv: Ajv, formats: string[]) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
const validateExpiry = addFormats(new Ajv({ allErrors: true, strict: true }), ['uri']).compile(expirySchema);

describe('generateReports on the fixture repository (held clock)', () => {
  it('writes exactly the expected files, byte for byte', () => {
    const dir = fixtureRepo();
    const result = generateReports({ repoDir: dir, now: NOW, write: true });
    assert.deepEqual(result.files.map((f) => f.path), FILES.map((f) => `reports/${f}`));
    assert.deepEqual(result.changed, FILES.map((f) => `reports/${f}`), 'first run: every file is new');
    for (const name of FILES) {
      const expected = readFileSync(join(EXPECTED, name), 'utf8');
      assert.equal(readFileSync(join(dir, 'reports', name), 'utf8'), expected, `reports/${name} differs from test/fixtures/report/expected/${name}`);
      assert.equal(result.files.find((f) => f.path === `reports/${name}`)!.content, expected);
    }
    assert.equal(`${result.dashboard.title}\n\n${result.dashboard.body}`, readFileSync(join(EXPECTED, 'dashboard.md'), 'utf8'));
  });

  it('gives the alerts, most urgent first, with owners', () => {
    const { alerts } = generateReports({ repoDir: fixtureRepo(), now: NOW });
    assert.deepEqual(
      alerts.map((a) => [a.certificate, a.daysLeft, a.threshold, a.contacts.join(' ')]),
      [
        ['legacy', -3, 0, 'example/platform'],
        ['checkout', 2, 7, 'example/payments alice'],
        ['stray', 4, 7, ''],
        ['billing', 10, 14, 'example/payments alice'],
        ['intranet', 19, 30, 'example/platform'],
      ],
    );
  });

  it('expiry.json validates against schema/expiry-report.schema.json, and the schema does reject a broken report', () => {
    const { files } = generateReports({ repoDir: fixtureRepo(), now: NOW });
    const report = JSON.parse(files.find((f) => f.path.endsWith('expiry.json'))!.content) as ExpiryReport;
    assert.equal(validateExpiry(report), true, JSON.stringify(validateExpiry.errors, null, 2));
    const broken = structuredClone(report) as unknown as { certificates: { status: string; serial: string }[] };
    broken.certificates[0]!.status = 'fine';
    broken.certificates[1]!.serial = '0c';
    assert.equal(validateExpiry(broken), false);
    assert.deepEqual(validateExpiry.errors!.map((e) => e.instancePath).sort(), ['/certificates/0/status', '/certificates/1/serial']);
  });

  it('rerun with nothing changed: no changed files, nothing rewritten', () => {
    const dir = fixtureRepo();
    generateReports({ repoDir: dir, now: NOW, write: true });
    const before = FILES.map((f) => readFileSync(join(dir, 'reports', f), 'utf8'));
    const again = generateReports({ repoDir: dir, now: NOW, write: true });
    assert.deepEqual(again.changed, []);
    assert.match(again.summary, /No report file changed\./);
    assert.deepEqual(FILES.map((f) => readFileSync(join(dir, 'reports', f), 'utf8')), before);
    // Later the same day nothing crossed a threshold: still no churn.
    assert.deepEqual(generateReports({ repoDir: dir, now: new Date('2026-03-15T13:00:00Z') }).changed, []);
  });

  it('reports which files a change touches: the next day, and a renewal in the lock file', () => {
    const dir = fixtureRepo();
    generateReports({ repoDir: dir, now: NOW, write: true });
    const tomorrow = generateReports({ repoDir: dir, now: new Date(NOW.getTime() + DAY_MS) });
    assert.deepEqual(tomorrow.changed, ['reports/expiry.md', 'reports/expiry.json', 'reports/expiry.svg', 'reports/evidence.md'], 'metrics hold timestamps, not days left');

    const lockPath = join(dir, 'certificates.lock.yaml');
    writeFileSync(lockPath, readFileSync(lockPath, 'utf8').replace('notAfter: "2026-04-16T13:00:00.000Z"', 'notAfter: "2026-06-14T13:00:00.000Z"'));
    const renewed = generateReports({ repoDir: dir, now: NOW });
    assert.deepEqual(renewed.changed, ['reports/expiry.md', 'reports/expiry.json', 'reports/expiry.svg', 'reports/metrics.prom', 'reports/evidence.md']);
    assert.equal(renewed.report.certificates.find((c) => c.name === 'api')!.daysLeft, 91);
  });

  it('two repositories with the same content give identical bytes', () => {
    const a = generateReports({ repoDir: fixtureRepo(), now: NOW }).files;
    const b = generateReports({ repoDir: fixtureRepo(), now: NOW }).files;
    assert.deepEqual(a, b);
  });
});

describe('the ledger check inside the reports', () => {
  it('an edited ledger line is named in expiry.md, evidence.md, the summary and the dashboard', () => {
    const dir = fixtureRepo();
    const path = join(dir, 'reports/audit.jsonl');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"actor":"alice"', '"actor":"bob"'));
    const result = generateReports({ repoDir: dir, now: NOW });
    assert.equal(result.ledger.firstBadLine, 4);
    const file = (name: string) => result.files.find((f) => f.path === `reports/${name}`)!.content;
    assert.match(file('expiry.md'), /failed its integrity check at line 4:\*\* line 4 was edited/);
    assert.match(file('evidence.md'), /\*\*The integrity check failed\*\* at \[line 4\]\(audit\.jsonl#L4\)/);
    assert.match(result.summary, /integrity check failed at line 4/);
    assert.match(result.dashboard.body, /\[!CAUTION\]\n> The audit ledger failed its integrity check at line 4/);
  });

  it('lines cut from the end show against the head recorded in the previous expiry.json', () => {
    const dir = fixtureRepo();
    generateReports({ repoDir: dir, now: NOW, write: true });
    const path = join(dir, 'reports/audit.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    writeFileSync(path, `${lines.slice(0, 6).join('\n')}\n`);
    const result = generateReports({ repoDir: dir, now: NOW });
    assert.equal(result.ledger.ok, false);
    assert.equal(result.ledger.firstBadLine, 7);
    assert.match(result.ledger.problem!, /had 8 lines when reports\/expiry\.json was written: lines 7-8 were removed \(truncated\)/);
  });

  it('events appended since the last report are fine', () => {
    const dir = fixtureRepo();
    generateReports({ repoDir: dir, now: NOW, write: true });
    const path = join(dir, 'reports/audit.jsonl');
    const text = readFileSync(path, 'utf8');
    const { seq: _seq, prev: _prev, hash: _hash, ...last } = JSON.parse(text.trim().split('\n').at(-1)!) as LifecycleEvent & { seq: number; prev: string; hash: string };
    appendFileSync(path, chainAfter(text, [{ ...last, event_type: 'certificate_deployed', timestamp: '2026-03-15T11:00:00Z', message: 'retry' }]).chunk);
    const result = generateReports({ repoDir: dir, now: NOW });
    assert.equal(result.ledger.ok, true, result.ledger.problem);
    assert.equal(result.report.ledger.lines, 9);
    assert.equal(result.report.certificates.find((c) => c.name === 'intranet')!.lastFailure, null, 'a later deployment supersedes the failed one');
  });
});

describe('options and bad input', () => {
  it('takes configurable thresholds, and refuses ones that do not grow', () => {
    const result = generateReports({ repoDir: fixtureRepo(), now: NOW, thresholds: { critical: 3, warning: 5, notice: 20, alerts: [3] } });
    const status = Object.fromEntries(result.report.certificates.map((c) => [c.name, c.status]));
    assert.deepEqual(status, { 'new-service': 'not-issued', legacy: 'expired', checkout: 'critical', stray: 'warning', billing: 'notice', intranet: 'notice', api: 'ok', 'old-portal': 'ok' });
    assert.deepEqual(result.alerts.map((a) => a.certificate), ['legacy', 'checkout']);
    assert.match(result.files[0]!.content, /\| 🟡 < 5 d \| 4 \|/);
    assert.throws(() => generateReports({ repoDir: fixtureRepo(), now: NOW, thresholds: { critical: 20 } }), ThresholdError);
  });

  it('leaves open findings out when lint is off', () => {
    const result = generateReports({ repoDir: fixtureRepo(), now: NOW, lint: false });
    const evidence = result.files.find((f) => f.path.endsWith('evidence.md'))!.content;
    assert.match(evidence, /## 6\. Open findings\n\nLint was not run in this run\./);
    assert.match(evidence, /## 2\. Policy in force\n\nThe policy was not evaluated in this run\./);
  });

  it('writes to another folder with links adjusted to it, still reading the one audit ledger', () => {
    const dir = fixtureRepo();
    const result = generateReports({ repoDir: dir, now: NOW, outDir: 'docs/certs', write: true });
    assert.deepEqual(result.changed, FILES.map((f) => `docs/certs/${f}`));
    const md = readFileSync(join(dir, 'docs/certs/expiry.md'), 'utf8');
    assert.match(md, /\[api\]\(\.\.\/\.\.\/certificates\.yaml#L21\)/);
    // renew, deploy and lint append to reports/audit.jsonl whatever folder the reports go to.
    assert.match(md, /Audit ledger \[reports\/audit\.jsonl\]\(\.\.\/\.\.\/reports\/audit\.jsonl\): 8 events, hash chain intact/);
  });

  it('names the missing manifest, and an output folder outside the repository', () => {
    const dir = fixtureRepo();
    rmSync(join(dir, 'certificates.yaml'));
    assert.throws(() => generateReports({ repoDir: dir, now: NOW }), (e: unknown) => e instanceof ReportInputError && /certificates\.yaml not found/.test(e.message));
    assert.throws(() => generateReports({ repoDir: fixtureRepo(), now: NOW, outDir: '../elsewhere' }), ReportInputError);
  });
});

describe('format details', () => {
  it('metrics escape label values and every sample line is in the exposition format', () => {
    const report = JSON.parse(readFileSync(join(EXPECTED, 'expiry.json'), 'utf8')) as ExpiryReport;
    report.certificates[0] = { ...report.certificates[0]!, name: 'odd', issuer: 'C:\\ca "x"\nnext', owners: ['a', 'b'] };
    const text = renderMetrics(report);
    assert.match(text, /\{name="odd",issuer="C:\\\\ca \\"x\\"\\nnext",owner="a,b",condition="False"\} 1\n/);
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('#')) assert.match(line, /^# (HELP|TYPE) certops_certificate_\w+ /);
      else assert.match(line, /^certops_certificate_[a-z_]+\{(?:[a-z_]+="(?:[^"\\\n]|\\[\\"n])*",?)+\} -?\d+$/);
    }
  });

  it('table cells cannot break the table, open HTML or mention people', () => {
    assert.equal(mdCell('a|b\nc <img> @alice \\'), 'a\\|b c &lt;img> &#64;alice \\\\');
  });
});
