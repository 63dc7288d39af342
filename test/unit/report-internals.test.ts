import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LifecycleEvent } from '../../src/events/event.js';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { changedFiles, writeReportFiles } from '../../src/report/changed-files.js';
import { isoDay, isoMinute, isoSeconds } from '../../src/report/format.js';
import { chainAfter } from '../../src/report/ledger-file.js';
import { inspectLedger } from '../../src/report/ledger-verify.js';
import { lockLines, manifestLines } from '../../src/report/source-lines.js';
import { alertThreshold, daysLeft, resolveThresholds, statusOf } from '../../src/report/status.js';

const dir = mkdtempSync(join(tmpdir(), 'certops-report-internals-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

describe('source lines', () => {
  it('finds certificates written as `- name:` or in flow style, and asks the index for the rest', () => {
    const source = `version: 1
defaults: { issuer: ca }
issuers: { ca: { ca: { certificate: a, privateKey: b } } }
certificates:
  - name: api
    dnsNames: [a.example]
  - { name: "web", dnsNames: [w.example] }
  - dnsNames: [late.example]
    name: late
`;
    const loaded = loadManifest(source);
    assert.deepEqual(loaded.findings, []);
    let asked = 0;
    const lines = manifestLines(source, loaded.manifest!.certificates, () => {
      asked++;
      return loaded.positions;
    });
    assert.deepEqual(Object.fromEntries(lines), { api: 5, web: 7, late: 8 });
    assert.equal(asked, 1, 'the position index is used only for the entry the scan missed');
  });

  it('finds lock entries by their fixed layout', () => {
    const lock = 'version: 1\ncertificates:\n  api:\n    serial: "01"\n  "odd name":\n    serial: "02"\n';
    assert.deepEqual(Object.fromEntries(lockLines(lock, ['api', 'odd name', 'gone'], () => undefined)), { api: 3, 'odd name': 5 });
  });
});

describe('status and thresholds', () => {
  const t = resolveThresholds();
  const now = Date.parse('2026-03-15T12:00:00Z');
  it('buckets by the time left, with < at each limit', () => {
    assert.equal(statusOf(now, now, t), 'expired');
    assert.equal(statusOf(now + 1, now, t), 'critical');
    assert.equal(statusOf(now + 7 * DAY, now, t), 'warning');
    assert.equal(statusOf(now + 7 * DAY - 1, now, t), 'critical');
    assert.equal(statusOf(now + 14 * DAY, now, t), 'notice');
    assert.equal(statusOf(now + 30 * DAY, now, t), 'ok');
    assert.equal(daysLeft(now + 1.5 * DAY, now), 1);
    assert.equal(daysLeft(now - 0.5 * DAY, now), -1);
  });
  it('raises the smallest alert threshold crossed, 0 once expired', () => {
    assert.equal(alertThreshold(now + 31 * DAY, now, t.alerts), undefined);
    assert.equal(alertThreshold(now + 29 * DAY, now, t.alerts), 30);
    assert.equal(alertThreshold(now + 13 * DAY, now, t.alerts), 14);
    assert.equal(alertThreshold(now + 0.5 * DAY, now, t.alerts), 1);
    assert.equal(alertThreshold(now - 1, now, t.alerts), 0);
    assert.deepEqual(resolveThresholds({ alerts: [1, 30, 30, 7] }).alerts, [30, 7, 1]);
  });
});

describe('dates', () => {
  it('formats canonical texts, Dates and numbers alike, drops milliseconds, and shows non-dates as they are', () => {
    assert.equal(isoSeconds('2026-03-15T12:00:00.000Z'), '2026-03-15T12:00:00Z');
    assert.equal(isoSeconds('2026-03-15T13:00:00+01:00'), '2026-03-15T12:00:00Z');
    assert.equal(isoSeconds(new Date('2026-03-15T12:00:00.999Z')), '2026-03-15T12:00:00Z');
    assert.equal(isoMinute(Date.parse('2026-03-15T12:34:56Z')), '2026-03-15 12:34');
    assert.equal(isoDay('2026-03-15T23:59:59Z'), '2026-03-15');
    assert.equal(isoDay('yesterday'), 'yesterday');
  });
});

describe('inspectLedger', () => {
  it('reads every record, past a bad line too, while naming the first bad line', () => {
    const e = (n: number): LifecycleEvent => ({
      timestamp: `2026-03-0${n}T00:00:00Z`, event_type: 'certificate_issued', certificate_subject: '', certificate_serial: '', issuer: '', expiration_date: '',
      deployment_status: 'n/a', target_systems: [], certificate: `c${n}`, actor: 'a', run_url: 'r',
    });
    const lines = chainAfter('', [1, 2, 3, 4].map(e)).chunk.split('\n');
    lines[1] = lines[1]!.replace('"c2"', '"cX"');
    const { verification, entries } = inspectLedger(lines.join('\n'));
    assert.equal(verification.firstBadLine, 2);
    assert.deepEqual(entries.map((x) => [x.line, x.event.certificate]), [[1, 'c1'], [2, 'cX'], [3, 'c3'], [4, 'c4']]);
  });
});

describe('changed files', () => {
  it('writes large texts in slices without breaking characters, and compares them the same way', () => {
    // An emoji (a surrogate pair) straddling the 1 MiB slice boundary, and multi-byte text around it.
    const text = `${'a'.repeat((1 << 20) - 1)}🔴é${'ü'.repeat(1 << 20)}🟢\n`;
    const files = [{ path: 'out/big.md', content: text }, { path: 'out/small.txt', content: 'x\n' }];
    assert.deepEqual(writeReportFiles(dir, files), ['out/big.md', 'out/small.txt']);
    assert.ok(readFileSync(join(dir, 'out/big.md')).equals(Buffer.from(text, 'utf8')));
    assert.deepEqual(changedFiles(dir, files), []);
    assert.deepEqual(writeReportFiles(dir, files), []);
    // Same length, one character different near the end: found.
    const edited = `${text.slice(0, -3)}🟡\n`;
    assert.deepEqual(changedFiles(dir, [{ path: 'out/big.md', content: edited }]), ['out/big.md']);
    writeFileSync(join(dir, 'out/small.txt'), 'y\n');
    assert.deepEqual(changedFiles(dir, files), ['out/small.txt']);
  });
});
