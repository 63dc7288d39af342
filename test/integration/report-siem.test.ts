import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LifecycleEvent } from '../../src/events/event.js';
import { appendEvents, LEDGER_FILE, readLedgerEntries } from '../../src/report/ledger-file.js';
import { FileSink } from '../../src/report/siem/file-sink.js';
import { forwardLedger, undeliveredLines } from '../../src/report/siem/forward.js';
import { HttpSink, type HttpSinkOptions } from '../../src/report/siem/http-sink.js';
import { siemEvent, siemJson, type SiemEvent } from '../../src/report/siem/siem-event.js';
import { StdoutSink } from '../../src/report/siem/stdout-sink.js';
import { freePort } from '../helpers/ports.js';

const SECRET = 'siem-shared-secret';
const TOKEN = '11111111-2222-3333-4444-555555555555';
const work = mkdtempSync(join(tmpdir(), 'certops-siem-'));
after(() => rmSync(work, { recursive: true, force: true }));
let dirCount = 0;
const newDir = () => mkdtempSync(join(work, `run${dirCount++}-`));

function event(n: number): LifecycleEvent {
  return {
    timestamp: `2026-03-15T10:${String(n).padStart(2, '0')}:00Z`,
    event_type: 'certificate_deployed',
    certificate_subject: `CN=c${n}.example.com`,
    certificate_serial: `0${n}:AB`,
    issuer: 'CN=Test CA',
    expiration_date: '2026-06-01T00:00:00Z',
    deployment_status: 'success',
    target_systems: ['edge'],
    certificate: `c${n}`,
    actor: 'certops',
    run_url: 'https://github.com/o/r/actions/runs/1',
  };
}

type Reply = 'ok' | '503' | '429' | '400' | 'reset';

/**
 * A SIEM endpoint that answers each request as `script` says (by request number, from 0) and
 * records what it accepted. It checks the signature or token on every request and counts an id
 * accepted twice as a duplicate: delivery must be exactly once.
 */
class SiemServer {
  readonly accepted: SiemEvent[] = [];
  readonly duplicates: string[] = [];
  readonly problems: string[] = [];
  requests = 0;
  private server?: Server;
  url = '';

  constructor(private readonly script: (n: number) => Reply, private readonly format: 'json' | 'hec' = 'json') {}

  async listen(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = this.requests++;
        const reply = this.script(n);
        if (reply === 'reset') {
          req.socket.destroy();
          return;
        }
        if (reply !== 'ok') {
          res.writeHead(Number(reply), { 'content-type': 'application/json' });
          res.end(JSON.stringify({ text: 'try again', code: 9 }));
          return;
        }
        this.take(req, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"text":"Success","code":0}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
    return this;
  }

  private take(req: IncomingMessage, body: string): void {
    let events: SiemEvent[];
    if (this.format === 'json') {
      const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
      if (req.headers['x-certops-signature'] !== expected) this.problems.push(`bad signature ${String(req.headers['x-certops-signature'])}`);
      events = [JSON.parse(body) as SiemEvent];
      if (req.headers['x-certops-event-id'] !== events[0]!.id) this.problems.push('event id header does not match the body');
    } else {
      if (req.headers.authorization !== `Splunk ${TOKEN}`) this.problems.push(`bad authorization ${String(req.headers.authorization)}`);
      events = body.split('\n').map((line) => {
        const e = JSON.parse(line) as { time: number; source: string; sourcetype: string; event: SiemEvent };
        if (e.source !== 'certops' || e.sourcetype !== 'certops:lifecycle' || typeof e.time !== 'number') this.problems.push(`bad HEC envelope ${line.slice(0, 80)}`);
        if (e.time !== Date.parse(e.event.timestamp) / 1000) this.problems.push('HEC time is not the event time');
        return e.event;
      });
    }
    for (const e of events) {
      if (this.accepted.some((a) => a.id === e.id)) this.duplicates.push(e.id);
      this.accepted.push(e);
    }
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

const noWait: HttpSinkOptions['retry'] = { sleep: async () => undefined, minDelayMs: 1, timeoutMs: 5000 };

/** A sink whose spool is at an absolute path, as the tests name it. */
function sink(url: string, spool: string, extra: Partial<HttpSinkOptions> = {}): HttpSink {
  return new HttpSink({ url, repoDir: dirname(spool), spoolFile: basename(spool), secret: SECRET, retry: noWait, ...extra });
}

describe('HttpSink', () => {
  it('survives a 503 and a connection reset: every event arrives exactly once, in order, signed', async () => {
    const server = await new SiemServer((n) => (n === 0 ? '503' : n === 2 ? 'reset' : 'ok')).listen();
    try {
      const spool = join(newDir(), 'spool.jsonl');
      const s = sink(server.url, spool);
      const events = [1, 2, 3, 4, 5].map(event);
      for (const e of events) s.emit(e);
      const result = await s.flush();
      assert.deepEqual(result, { delivered: 5, spooled: 0 });
      assert.deepEqual(server.problems, []);
      assert.deepEqual(server.duplicates, []);
      assert.deepEqual(server.accepted.map((e) => e.certificate), ['c1', 'c2', 'c3', 'c4', 'c5']);
      assert.deepEqual(server.accepted.map((e) => e.id), events.map((e) => siemEvent(e).id));
      assert.equal(server.requests, 7, '5 deliveries, a 503 and a reset');
      assert.equal(existsSync(spool), false, 'nothing left to spool');
    } finally {
      await server.close();
    }
  });

  it('with the endpoint down, spools everything; the next run sends the spool first, then its own events, each once', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/events`;
    const spool = join(newDir(), 'spool.jsonl');
    const first = sink(url, spool);
    for (const e of [1, 2, 3].map(event)) first.emit(e);
    const down = await first.flush();
    assert.equal(down.delivered, 0);
    assert.equal(down.spooled, 3);
    assert.match(down.error!, /ECONNREFUSED|fetch failed/);
    assert.equal(readFileSync(spool, 'utf8').trim().split('\n').length, 3);

    const server = await new SiemServer(() => 'ok').listen(port);
    try {
      const second = sink(url, spool);
      // An event already in the spool, emitted again (a rerun), is still sent once.
      for (const e of [event(3), event(4), event(5)]) second.emit(e);
      const up = await second.flush();
      assert.deepEqual(up, { delivered: 5, spooled: 0 });
      assert.deepEqual(server.accepted.map((e) => e.certificate), ['c1', 'c2', 'c3', 'c4', 'c5']);
      assert.deepEqual(server.duplicates, []);
      assert.equal(existsSync(spool), false);
    } finally {
      await server.close();
    }
  });

  it('stops at a refusal (400), keeps the rest in the spool, and delivers it when the endpoint takes it', async () => {
    let refuse = true;
    const server = await new SiemServer((n) => (refuse && n === 1 ? '400' : 'ok')).listen();
    try {
      const spool = join(newDir(), 'spool.jsonl');
      const s = sink(server.url, spool);
      for (const e of [1, 2, 3].map(event)) s.emit(e);
      const result = await s.flush();
      assert.equal(result.delivered, 1);
      assert.equal(result.spooled, 2);
      assert.match(result.error!, /answered HTTP 400: \{"text":"try again"/);
      assert.equal(server.requests, 2, 'a 400 is not retried');
      refuse = false;
      assert.deepEqual(await s.flush(), { delivered: 2, spooled: 0 });
      assert.deepEqual(server.accepted.map((e) => e.certificate), ['c1', 'c2', 'c3']);
      assert.deepEqual(server.duplicates, []);
    } finally {
      await server.close();
    }
  });

  it('after a crash mid-delivery, does not resend what the endpoint already took', async () => {
    const server = await new SiemServer(() => 'ok').listen();
    try {
      const spool = join(newDir(), 'spool.jsonl');
      const events = [1, 2, 3].map((n) => siemEvent(event(n)));
      // What a run that died after its first delivery leaves: the spool and the record of what was sent.
      writeFileSync(spool, events.map((e) => `${siemJson(e)}\n`).join(''));
      writeFileSync(`${spool}.sent`, `${events[0]!.id}\n`);
      assert.deepEqual(await sink(server.url, spool).flush(), { delivered: 2, spooled: 0 });
      assert.deepEqual(server.accepted.map((e) => e.certificate), ['c2', 'c3']);
      assert.equal(existsSync(`${spool}.sent`), false);
    } finally {
      await server.close();
    }
  });

  it('speaks Splunk HEC: batches with the Splunk token, a 429 retried, each event once', async () => {
    const server = await new SiemServer((n) => (n === 1 ? '429' : 'ok'), 'hec').listen();
    try {
      const s = new HttpSink({ url: server.url, repoDir: newDir(), spoolFile: 'spool.jsonl', format: 'splunk-hec', token: TOKEN, batchSize: 2, retry: noWait });
      for (const e of [1, 2, 3, 4, 5].map(event)) s.emit(e);
      assert.deepEqual(await s.flush(), { delivered: 5, spooled: 0 });
      assert.deepEqual(server.problems, []);
      assert.deepEqual(server.duplicates, []);
      assert.equal(server.requests, 4, 'batches of 2, 2 and 1, and one 429');
      assert.deepEqual(server.accepted.map((e) => e.certificate), ['c1', 'c2', 'c3', 'c4', 'c5']);
    } finally {
      await server.close();
    }
    assert.throws(() => new HttpSink({ url: 'http://127.0.0.1:1/', repoDir: '.', format: 'splunk-hec' }), /needs a HEC token/);
  });
});

describe('forwardLedger', () => {
  it('sends the ledger events added since the last forward, with their ledger hash as id', async () => {
    const server = await new SiemServer((n) => (n === 3 ? 'reset' : 'ok')).listen();
    try {
      const repo = newDir();
      await appendEvents(repo, [1, 2, 3].map(event));
      const sinks = () => [sink(server.url, join(repo, 'reports/.siem-spool.jsonl')), new FileSink(join(repo, 'siem.jsonl'))];
      const first = await forwardLedger({ repoDir: repo, sinks: sinks() });
      assert.equal(first.forwarded, 3);
      assert.deepEqual(first.deliveries, [{ delivered: 3, spooled: 0 }, { delivered: 3, spooled: 0 }]);
      assert.equal((await forwardLedger({ repoDir: repo, sinks: sinks() })).forwarded, 0, 'nothing new');
      await appendEvents(repo, [4, 5].map(event));
      const second = await forwardLedger({ repoDir: repo, sinks: sinks() });
      assert.equal(second.forwarded, 2);
      const hashes = readLedgerEntries(readFileSync(join(repo, LEDGER_FILE), 'utf8')).map((e) => e.hash);
      assert.deepEqual(server.accepted.map((e) => e.id), hashes);
      assert.deepEqual(server.duplicates, []);
      const fileLines = readFileSync(join(repo, 'siem.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SiemEvent);
      assert.deepEqual(fileLines.map((e) => e.id), hashes);
      assert.equal(readFileSync(join(repo, 'reports/.siem-cursor'), 'utf8'), `${hashes[4]}\n`);
      assert.deepEqual(undeliveredLines(second), []);
      // A cursor the ledger no longer holds: everything goes again, and the run says so.
      writeFileSync(join(repo, 'reports/.siem-cursor'), `${'0'.repeat(64)}\n`);
      const again = await forwardLedger({ repoDir: repo, sinks: [new FileSink(join(repo, 'siem-again.jsonl'))] });
      assert.equal(again.forwarded, 5);
      assert.deepEqual(undeliveredLines(again), ['SIEM: the last forwarded ledger line is no longer in the ledger (was it rewritten?), so all 5 events were sent again; receivers drop repeats by id.']);
    } finally {
      await server.close();
    }
  });
});

describe('StdoutSink', () => {
  it('writes one JSON line per event, id first, SIEM fields next', async () => {
    const written: string[] = [];
    const s = new StdoutSink({ write: (t: string) => written.push(t) });
    s.emit(event(1));
    assert.deepEqual(await s.flush(), { delivered: 1, spooled: 0 });
    assert.equal(written.length, 1);
    assert.match(written[0]!, /^\{"id":"[0-9a-f]{64}","timestamp":"2026-03-15T10:01:00Z","event_type":"certificate_deployed",.*\}\n$/);
  });
});

describe('SIEM files in the repository', () => {
  it('behind a committed link to a folder, the spool and a file sink are refused, loudly, and nothing is written there', async () => {
    const repo = newDir();
    const elsewhere = newDir();
    symlinkSync(elsewhere, join(repo, 'reports'));
    const s = new HttpSink({ url: 'http://127.0.0.1:1/', repoDir: repo, secret: SECRET, retry: noWait });
    s.emit(event(1));
    await assert.rejects(s.flush(), /reports is a symbolic link/);
    const file = new FileSink({ repoDir: repo, file: 'reports/siem.jsonl' });
    await assert.rejects(file.emit(event(1)), /reports is a symbolic link/);
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('a link at the spool, its sent record or the cursor is not ours: it is replaced, and what it points at is untouched', async () => {
    const repo = newDir();
    mkdirSync(join(repo, 'reports'));
    const planted = join(newDir(), 'planted.jsonl');
    writeFileSync(planted, 'not a spool\n');
    for (const f of ['.siem-spool.jsonl', '.siem-spool.jsonl.sent', '.siem-cursor']) symlinkSync(planted, join(repo, 'reports', f));
    const s = new HttpSink({ url: 'http://127.0.0.1:1/', repoDir: repo, secret: SECRET, retry: noWait });
    s.emit(event(1));
    assert.equal((await s.flush()).spooled, 1, 'the endpoint is down: the event is spooled');
    const spool = join(repo, 'reports/.siem-spool.jsonl');
    assert.ok(lstatSync(spool).isFile());
    assert.equal(readFileSync(spool, 'utf8').trim().split('\n').length, 1);
    assert.ok(!existsSync(join(repo, 'reports/.siem-spool.jsonl.sent')));
    await appendEvents(repo, [event(2)]);
    await forwardLedger({ repoDir: repo, sinks: [new FileSink({ repoDir: repo, file: 'siem.jsonl' })] });
    assert.ok(lstatSync(join(repo, 'reports/.siem-cursor')).isFile());
    assert.equal(readFileSync(planted, 'utf8'), 'not a spool\n');
  });
});
