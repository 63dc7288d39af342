import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it, type TestContext } from 'node:test';
import { DAY_MS } from '../../src/manifest/duration.js';
import type { ExpiryEntry, ExpiryReport } from '../../src/report/expiry-model.js';
import { renderExpirySvg } from '../../src/report/expiry-svg.js';
import { STATUS_COLOUR, statusOf, DEFAULT_THRESHOLDS, type ExpiryStatus } from '../../src/report/status.js';
import { colourCounts, decodePng } from '../helpers/png.js';
import { requireProgram } from '../helpers/system.js';
import { checkXml } from '../helpers/xml-wellformed.js';

const run = promisify(execFile);
const EXPECTED_SVG = new URL('../fixtures/report/expected/expiry.svg', import.meta.url).pathname;
const NOW = new Date('2026-03-15T12:00:00Z');
const work = mkdtempSync(join(tmpdir(), 'certops-svg-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Screenshots an SVG file in headless Chromium and returns the decoded PNG. */
async function screenshot(t: TestContext, svgPath: string, width: number, height: number) {
  const chromium = requireProgram(t, 'chromium', 'chromium');
  if (!chromium) return undefined;
  const png = `${svgPath}.png`;
  const profile = mkdtempSync(join(work, 'profile-'));
  await run(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, `--screenshot=${png}`, `--window-size=${width},${height}`, `file://${svgPath}`,
  ], { timeout: 60_000 });
  return decodePng(readFileSync(png));
}

/** Pixels whose colour is exactly `hex` (the legend swatches are opaque, so they have it). */
function pixelsOf(counts: Map<string, number>, hex: string): number {
  return counts.get(hex.toLowerCase()) ?? 0;
}

/** A report of `n` certificates spread over owners and expiry dates, as the grouped chart needs. */
function bigReport(n: number): ExpiryReport {
  const statuses: ExpiryStatus[] = ['expired', 'not-issued', 'critical', 'warning', 'notice', 'ok'];
  const counts = Object.fromEntries(statuses.map((s) => [s, 0])) as Record<ExpiryStatus, number>;
  const certificates: ExpiryEntry[] = [];
  for (let i = 0; i < n; i++) {
    const notAfter = NOW.getTime() + (((i * 7919) % 120) - 10) * DAY_MS + (i % 24) * 3_600_000;
    const issued = i % 97 !== 0;
    const status = issued ? statusOf(notAfter, NOW.getTime(), DEFAULT_THRESHOLDS) : 'not-issued';
    counts[status]++;
    certificates.push({
      name: `svc-${i}`, managed: true, commonName: null, names: [], owners: [`team-${i % 75}`], contacts: [], issuer: i % 3 ? 'internal' : 'letsencrypt', issuerDN: null, key: null,
      serial: null, notBefore: issued ? new Date(notAfter - 90 * DAY_MS).toISOString().replace('.000Z', 'Z') : null, notAfter: issued ? new Date(notAfter).toISOString().replace('.000Z', 'Z') : null,
      daysLeft: issued ? Math.floor((notAfter - NOW.getTime()) / DAY_MS) : null, status, nextRenewal: null, lastRenewal: null, lastFailure: null, targets: [],
      sources: { manifest: null, lock: null, certificate: null },
    });
  }
  certificates.sort((a, b) => (a.notAfter ?? '') < (b.notAfter ?? '') ? -1 : 1);
  return { $schema: '', version: 1, date: '2026-03-15', thresholds: DEFAULT_THRESHOLDS, total: n, counts, certificates, ledger: { file: 'reports/audit.jsonl', lines: 0, head: null, ok: true, firstBadLine: null, problem: null } };
}

describe('expiry.svg', () => {
  it('is well-formed XML with an <svg> root (and the checker does catch broken markup)', () => {
    const svg = readFileSync(EXPECTED_SVG, 'utf8');
    const { problems, elements } = checkXml(svg);
    assert.deepEqual(problems, []);
    assert.equal(elements[0], 'svg');
    assert.ok(elements.filter((e) => e === 'rect').length > 10);
    assert.notDeepEqual(checkXml(svg.replace('</g>', '')).problems, []);
    assert.notDeepEqual(checkXml(svg.replace('&lt; 7 d', '< 7 d')).problems, []);
    assert.notDeepEqual(checkXml(svg.replace('fill="#ffffff"', 'fill=#ffffff')).problems, []);
  });

  it('renders in headless Chromium: not blank, every status colour drawn', async (t) => {
    const path = join(work, 'fixture.svg');
    writeFileSync(path, readFileSync(EXPECTED_SVG));
    const height = Number(/height="(\d+)"/.exec(readFileSync(EXPECTED_SVG, 'utf8'))![1]);
    const image = await screenshot(t, path, 1000, height);
    if (!image) return;
    const counts = colourCounts(image);
    assert.ok(counts.size > 20, `only ${counts.size} distinct colours: blank or nearly`);
    const white = counts.get('#ffffff') ?? 0;
    assert.ok(white < image.width * image.height * 0.9, 'mostly white: nothing drawn');
    for (const [status, colour] of Object.entries(STATUS_COLOUR)) assert.ok(pixelsOf(counts, colour) >= 50, `${status} (${colour}) is not drawn`);
  });

  it('groups thousands of certificates into at most maxRows readable rows, and still renders', async (t) => {
    const report = bigReport(10_000);
    const svg = renderExpirySvg(report, { now: NOW, maxRows: 60 });
    assert.deepEqual(checkXml(svg).problems, []);
    const rows = svg.match(/<g><title>/g)!.length;
    assert.equal(rows, 60, 'one row per group, the rest merged into "other"');
    assert.match(svg, /other \(16 groups\)/);
    assert.match(svg, /10000 certificates in 60 rows by owner/);
    assert.ok(svg.length < 600_000, `${svg.length} bytes`);
    const byIssuer = renderExpirySvg(report, { now: NOW, maxRows: 60, groupBy: 'issuer' });
    assert.equal(byIssuer.match(/<g><title>/g)!.length, 2);

    const path = join(work, 'grouped.svg');
    writeFileSync(path, svg);
    const image = await screenshot(t, path, 1000, Number(/height="(\d+)"/.exec(svg)![1]));
    if (!image) return;
    const counts = colourCounts(image);
    assert.ok(counts.size > 20);
    for (const status of ['expired', 'critical', 'warning', 'notice', 'ok'] as const) assert.ok(pixelsOf(counts, STATUS_COLOUR[status]) >= 50, `${status} is not drawn`);
  });
});
