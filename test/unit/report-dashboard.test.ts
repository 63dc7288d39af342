import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BusinessHoursError, isBusinessHours, parseBusinessHours } from '../../src/report/business-hours.js';
import { DASHBOARD_MARKER, ISSUE_BODY_LIMIT, renderDashboard } from '../../src/report/dashboard.js';
import type { ExpiryEntry, ExpiryReport } from '../../src/report/expiry-model.js';
import { readLedgerEntries } from '../../src/report/ledger-file.js';

const EXPECTED = new URL('../fixtures/report/expected/', import.meta.url).pathname;
const LEDGER = readLedgerEntries(readFileSync(new URL('../fixtures/report/repo/reports/audit.jsonl', import.meta.url), 'utf8'));
const NOW = new Date('2026-03-15T12:00:00Z');
const report = (): ExpiryReport => JSON.parse(readFileSync(`${EXPECTED}expiry.json`, 'utf8')) as ExpiryReport;

describe('business hours', () => {
  it('parses ranges, lists and zones', () => {
    assert.deepEqual(parseBusinessHours('Mon-Fri 08:00-18:00 UTC'), { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' });
    assert.deepEqual(parseBusinessHours('sun-tue 09:00 - 17:30 Europe/Berlin'), { timeZone: 'Europe/Berlin', days: [1, 2, 7], start: '09:00', end: '17:30' });
    assert.deepEqual(parseBusinessHours('Mon,Wed,Fri 07:00-19:00').days, [1, 3, 5]);
    assert.throws(() => parseBusinessHours('weekdays 9-5'), BusinessHoursError);
    assert.throws(() => parseBusinessHours('Mon-Fri 18:00-08:00'), /start 18:00 must be before end 08:00/);
    assert.throws(() => parseBusinessHours('Mon-Fri 08:00-18:00 Mars/Olympus'), /not a time zone/);
    assert.throws(() => parseBusinessHours('Mon-Fry 08:00-18:00'), /"Fry" .* is not a weekday/);
  });

  it('includes the start minute, excludes the end minute, and follows the zone (with summer time)', () => {
    const utc = parseBusinessHours('Mon-Fri 08:00-18:00 UTC');
    assert.equal(isBusinessHours(new Date('2026-03-16T08:00:00Z'), utc), true, 'Monday 08:00');
    assert.equal(isBusinessHours(new Date('2026-03-16T07:59:59Z'), utc), false);
    assert.equal(isBusinessHours(new Date('2026-03-20T17:59:00Z'), utc), true, 'Friday 17:59');
    assert.equal(isBusinessHours(new Date('2026-03-20T18:00:00Z'), utc), false);
    assert.equal(isBusinessHours(new Date('2026-03-21T12:00:00Z'), utc), false, 'Saturday');
    const berlin = parseBusinessHours('Mon-Fri 08:00-18:00 Europe/Berlin');
    assert.equal(isBusinessHours(new Date('2026-03-16T07:30:00Z'), berlin), true, '08:30 CET');
    assert.equal(isBusinessHours(new Date('2026-07-06T06:30:00Z'), berlin), true, '08:30 CEST');
    assert.equal(isBusinessHours(new Date('2026-07-06T05:30:00Z'), berlin), false, '07:30 CEST');
    assert.equal(isBusinessHours(new Date('2026-03-20T23:30:00Z'), berlin), false, 'Saturday 00:30 in Berlin, still Friday in UTC');
  });
});

describe('renderDashboard', () => {
  it('carries the marker first and mentions the owners of what needs attention', () => {
    const { title, body } = renderDashboard({ report: report(), ledger: LEDGER, now: NOW });
    assert.ok(body.startsWith(`${DASHBOARD_MARKER}\n`));
    assert.equal(title, 'Certificate dashboard: 5 expiring, 2 failed, 1 not issued, 2 unmanaged');
    assert.match(body, /\| `billing` \| renewal failed \| 2026-03-10 08:00 \| .* \| @example\/payments @alice \|/);
  });

  it('flags changes outside business hours by the configured hours and zone', () => {
    const offHours = (hours?: string) => {
      const body = renderDashboard({ report: report(), ledger: LEDGER, now: NOW, ...(hours ? { businessHours: parseBusinessHours(hours) } : {}) }).body;
      const section = /## Changed outside business hours \((\d+)/.exec(body);
      return section ? Number(section[1]) : 0;
    };
    assert.equal(offHours(), 2);
    assert.equal(offHours('Mon-Sun 00:00-24:00 UTC'), 0);
    // Sydney is 11 hours ahead: Saturday 14:00 and Sunday 10:40 there, both off.
    assert.equal(offHours('Mon-Fri 08:00-18:00 Australia/Sydney'), 2);
    const tokyo = renderDashboard({ report: report(), ledger: LEDGER, now: NOW, businessHours: parseBusinessHours('Mon-Sat 08:00-18:00 Asia/Tokyo') }).body;
    assert.match(tokyo, /## Changed outside business hours \(1, last 30 days\)/);
    assert.doesNotMatch(tokyo, /Sat 2026-02-21 03:00 UTC/, 'noon on a Saturday in Tokyo is a working hour there');
    assert.match(tokyo, /Sat 2026-03-07 23:40 UTC \(Sun 08:40 Asia\/Tokyo\)/);
  });

  it('says so when nothing needs attention', () => {
    const r = report();
    r.certificates = r.certificates.filter((c) => c.status === 'ok' && c.managed);
    const { title, body } = renderDashboard({ report: r, ledger: [], now: NOW });
    assert.equal(title, 'Certificate dashboard');
    assert.match(body, /Nothing needs attention/);
  });

  it('links the reports when given their URL, and never mentions what is not a handle', () => {
    const r = report();
    r.certificates[1] = { ...r.certificates[1]!, contacts: ['team with spaces', 'ok-user'] } as ExpiryEntry;
    const { body } = renderDashboard({ report: r, ledger: [], now: NOW, reportsUrl: 'https://github.com/example/certs/blob/main/reports/' });
    assert.match(body, /\[expiry\.md\]\(https:\/\/github\.com\/example\/certs\/blob\/main\/reports\/expiry\.md\)/);
    assert.match(body, /\| team with spaces @ok-user \|/);
  });

  it('stays under GitHub\'s issue body limit with thousands of certificates', () => {
    const r = report();
    const template = r.certificates.find((c) => c.name === 'checkout')!;
    r.certificates = Array.from({ length: 5000 }, (_, i) => ({ ...template, name: `service-${String(i).padStart(4, '0')}-with-a-long-name`, contacts: ['example/payments', 'alice', 'bob', 'carol'] }));
    const { body } = renderDashboard({ report: r, ledger: [], now: NOW });
    assert.ok(body.length <= ISSUE_BODY_LIMIT, `${body.length} characters`);
    assert.match(body, /## Expiring \(5000\)/);
    assert.match(body, /… and \d+ more: see the expiry report\./);
  });
});
