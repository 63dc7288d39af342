import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { renew } from '../../src/renewal/renew.js';
import { LedgerSink } from '../../src/report/ledger-sink.js';
import { freePort } from '../helpers/ports.js';

async function cli(args: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('certops report and certops audit verify', () => {
  let repo: string;
  before(async () => {
    repo = mkdtempSync(join(tmpdir(), 'certops-cli-report-'));
    const id = await generateAgeIdentity();
    writeFileSync(join(repo, 'certificates.yaml'), `version: 1\ndefaults: { issuer: internal }\nrecipients: [${id.recipient}]\nissuers:\n  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }\ncertificates:\n  - name: www\n    dnsNames: [www.example.test]\n    duration: 20d\n`);
    await writeCaFiles({ repoDir: repo, ca: await initCa({ commonName: 'cli report CA', now: new Date('2026-01-01T00:00:00Z') }), recipients: [id.recipient] });
    await renew({ repoDir: repo, now: new Date('2026-11-20T00:00:00Z'), identity: id.identity, events: new LedgerSink(repo) });
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('writes the reports, names the expiring certificate and feeds the SIEM file once', async () => {
    const siem = join(repo, 'siem.jsonl');
    const first = await cli(['report', '--now', '2026-11-27T10:00:00Z', '--siem-file', siem], repo);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /wrote reports\/expiry\.md/);
    assert.match(first.stdout, /12 days left: www/);
    const lines = readFileSync(siem, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event_type: string; id: string });
    assert.deepEqual(lines.map((l) => l.event_type).sort(), ['certificate_issued', 'certificate_report_generated']);
    const again = await cli(['report', '--now', '2026-11-27T11:00:00Z', '--siem-file', siem], repo);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /reports unchanged/);
    assert.equal(readFileSync(siem, 'utf8').trim().split('\n').length, 2, 'nothing is sent twice');
  });

  it('an SIEM endpoint that is down: the events are kept and the run says so, without the URL\'s credentials', async () => {
    const port = await freePort();
    const r = await cli(['report', '--now', '2026-11-28T10:00:00Z', '--siem-url', `http://user:s3cret@127.0.0.1:${port}/hook?token=s3cret`], repo);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: SIEM: 0 delivered, 1 kept for the next run: /);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cret/);
  });

  it('audit verify: 0 when the chain is whole, 1 naming the line when it is not', async () => {
    const ok = await cli(['audit', 'verify'], repo);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /1 line\(s\), chain intact/);
    const ledger = join(repo, 'reports/audit.jsonl');
    writeFileSync(ledger, readFileSync(ledger, 'utf8').replace('www.example.test', 'evil.example.test'));
    const bad = await cli(['audit', 'verify'], repo);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /line 1: /);
    const report = await cli(['report', '--now', '2026-11-29T10:00:00Z'], repo);
    assert.equal(report.code, 1);
    assert.match(report.stderr, /failed its integrity check at line 1/);
    assert.equal((await cli(['audit', 'check'], repo)).code, 2);
  });
});
