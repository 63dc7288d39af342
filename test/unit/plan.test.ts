import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RenewalWindow } from '../../src/issuers/types.js';
import { DAY_MS } from '../../src/manifest/duration.js';
import type { LockEntry, LockFile } from '../../src/manifest/lock-file.js';
import { specHash } from '../../src/manifest/spec-hash.js';
import type { CertificateSpec } from '../../src/manifest/types.js';
import { PlanInputError, planRenewals, stableFraction, type PlanInput } from '../../src/renewal/plan.js';

const HOUR_MS = 3_600_000;
/** Every certificate in these tests was issued at this instant unless a test says otherwise. */
const ISSUED = new Date('2025-01-01T00:00:00Z');

function spec(name: string, over: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    name,
    index: 0,
    commonName: `${name}.example.com`,
    dnsNames: [`${name}.example.com`],
    ipAddresses: [],
    uris: [],
    emailAddresses: [],
    duration: '90d',
    durationMs: 90 * DAY_MS,
    privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    usages: ['digital signature', 'server auth'],
    issuer: 'internal',
    owners: [],
    deploy: [],
    labels: {},
    ...over,
  };
}

function entry(s: CertificateSpec, over: Partial<LockEntry> & { lifetimeMs?: number; issued?: Date } = {}): LockEntry {
  const { lifetimeMs = 90 * DAY_MS, issued = ISSUED, ...rest } = over;
  return {
    serial: `0a${s.name.length.toString(16)}ff${Buffer.from(s.name).toString('hex')}`,
    sha256: 'ab'.repeat(32),
    spkiSha256: `pin-of-${s.name}`,
    notBefore: issued.toISOString(),
    notAfter: new Date(issued.getTime() + lifetimeMs).toISOString(),
    issuer: s.issuer,
    issuerDN: 'CN=Test CA',
    certificate: `certs/${s.name}/cert.pem`,
    key: `certs/${s.name}/key.pem.age`,
    specHash: specHash(s),
    issuedAt: issued.toISOString(),
    ...rest,
  };
}

function lockOf(...pairs: [CertificateSpec, LockEntry][]): LockFile {
  return { version: 1, certificates: Object.fromEntries(pairs.map(([s, e]) => [s.name, e])) };
}

function plan(input: Partial<PlanInput> & { certificates: CertificateSpec[] }) {
  return planRenewals({ lock: { version: 1, certificates: {} }, now: ISSUED, ...input });
}

function one(input: Partial<PlanInput> & { certificates: CertificateSpec[] }) {
  const p = plan(input);
  assert.equal(p.certificates.length, 1);
  return p.certificates[0]!;
}

const at = (ms: number) => new Date(ISSUED.getTime() + ms);

describe('planRenewals: first issue and lock state', () => {
  it('a certificate without a lock entry is missing and due now, with a new key', () => {
    const c = one({ certificates: [spec('api')], now: at(5 * DAY_MS) });
    assert.equal(c.due, true);
    assert.equal(c.reason, 'missing');
    assert.equal(c.renewAt.getTime(), at(5 * DAY_MS).getTime());
    assert.equal(c.rotateKey, true);
    assert.equal(c.notAfter, undefined);
  });

  it('a lock entry with unreadable dates is treated as missing, not crashed on', () => {
    const s = spec('api');
    const c = one({ certificates: [s], lock: lockOf([s, entry(s, { notAfter: 'not a date' })]), now: at(DAY_MS) });
    assert.equal(c.due, true);
    assert.equal(c.reason, 'missing');
    assert.match(c.detail, /no usable validity period/);
  });

  it('a lock entry with notAfter before notBefore is treated as missing', () => {
    const s = spec('api');
    const e = entry(s);
    const c = one({ certificates: [s], lock: lockOf([s, { ...e, notAfter: e.notBefore }]), now: at(DAY_MS) });
    assert.equal(c.reason, 'missing');
  });

  it('lists lock entries that are no longer in the manifest as orphaned', () => {
    const s = spec('api');
    const gone = spec('old');
    const p = plan({ certificates: [s], lock: lockOf([s, entry(s)], [gone, entry(gone)]), now: at(DAY_MS) });
    assert.deepEqual(p.orphaned, ['old']);
    assert.deepEqual(p.certificates.map((c) => c.name), ['api']);
  });
});

describe('planRenewals: the default renewal point (a third of the lifetime left)', () => {
  const s = spec('api');
  const lock = lockOf([s, entry(s)]);
  const notAfter = at(90 * DAY_MS).getTime();

  it('a fresh 90-day certificate is not due; it falls due between 33 and 30 days before expiry', () => {
    const c = one({ certificates: [s], lock, now: at(DAY_MS) });
    assert.equal(c.due, false);
    assert.equal(c.reason, 'not-due');
    assert.equal(c.notAfter?.getTime(), notAfter);
    assert.ok(c.renewAt.getTime() <= notAfter - 30 * DAY_MS, c.detail);
    assert.ok(c.renewAt.getTime() >= notAfter - 33 * DAY_MS, c.detail);
    assert.match(c.detail, /1\/3 of the 90d lifetime left/);
  });

  it('is due exactly at the renewal point, and not one millisecond before', () => {
    const renewAt = one({ certificates: [s], lock, now: at(DAY_MS) }).renewAt;
    const before = one({ certificates: [s], lock, now: new Date(renewAt.getTime() - 1) });
    assert.equal(before.due, false);
    const exactly = one({ certificates: [s], lock, now: renewAt });
    assert.equal(exactly.due, true);
    assert.equal(exactly.reason, 'expiring');
    assert.equal(exactly.renewAt.getTime(), renewAt.getTime());
  });

  it('an expired certificate is due, and the detail says since when', () => {
    const c = one({ certificates: [s], lock, now: at(92 * DAY_MS) });
    assert.equal(c.due, true);
    assert.equal(c.reason, 'expiring');
    assert.match(c.detail, /expired 2d ago/);
  });

  it('is due at the very instant of expiry', () => {
    const c = one({ certificates: [s], lock, now: new Date(notAfter) });
    assert.equal(c.due, true);
    assert.match(c.detail, /expired/);
  });

  it('uses the issued lifetime, not the requested duration', () => {
    // The manifest asks for 90 days; the CA issued 30.
    const e = entry(s, { lifetimeMs: 30 * DAY_MS });
    const c = one({ certificates: [s], lock: lockOf([s, e]), now: at(DAY_MS) });
    const end = at(30 * DAY_MS).getTime();
    assert.ok(c.renewAt.getTime() <= end - 10 * DAY_MS && c.renewAt.getTime() >= end - 11 * DAY_MS, c.detail);
  });

  it('short lifetimes (under 10 days) renew at half-life', () => {
    const short = spec('short', { duration: '6d', durationMs: 6 * DAY_MS });
    const e = entry(short, { lifetimeMs: 6 * DAY_MS });
    const c = one({ certificates: [short], lock: lockOf([short, e]), now: at(HOUR_MS) });
    const end = at(6 * DAY_MS).getTime();
    assert.ok(c.renewAt.getTime() <= end - 3 * DAY_MS, c.detail);
    assert.ok(c.renewAt.getTime() >= end - 3.3 * DAY_MS, c.detail);
    assert.match(c.detail, /1\/2 of the 6d lifetime/);
  });

  it('a lifetime of exactly 10 days is not short: a third', () => {
    const ten = spec('ten', { duration: '10d', durationMs: 10 * DAY_MS });
    const c = one({ certificates: [ten], lock: lockOf([ten, entry(ten, { lifetimeMs: 10 * DAY_MS })]), now: at(HOUR_MS) });
    assert.match(c.detail, /1\/3 of the 10d lifetime/);
    const end = at(10 * DAY_MS).getTime();
    assert.ok(c.renewAt.getTime() <= end - (10 * DAY_MS) / 3 && c.renewAt.getTime() >= end - (11 * DAY_MS) / 3, c.detail);
  });
});

describe('planRenewals: renewBefore and renewBeforePercentage', () => {
  it('renewBefore: due that long before expiry (less the spread)', () => {
    const s = spec('api', { renewBefore: '10d', renewBeforeMs: 10 * DAY_MS });
    const c = one({ certificates: [s], lock: lockOf([s, entry(s)]), now: at(DAY_MS) });
    const end = at(90 * DAY_MS).getTime();
    assert.ok(c.renewAt.getTime() <= end - 10 * DAY_MS && c.renewAt.getTime() >= end - 11 * DAY_MS, c.detail);
    assert.match(c.detail, /renewBefore 10d before expiry/);
    assert.equal(one({ certificates: [s], lock: lockOf([s, entry(s)]), now: at(79 * DAY_MS) }).due, false);
    assert.equal(one({ certificates: [s], lock: lockOf([s, entry(s)]), now: at(80 * DAY_MS) }).due, true);
  });

  it('renewBeforePercentage: that share of the lifetime before expiry', () => {
    const s = spec('api', { renewBeforePercentage: 25 });
    const c = one({ certificates: [s], lock: lockOf([s, entry(s, { lifetimeMs: 40 * DAY_MS })]), now: at(DAY_MS) });
    const end = at(40 * DAY_MS).getTime();
    assert.ok(c.renewAt.getTime() <= end - 10 * DAY_MS && c.renewAt.getTime() >= end - 11 * DAY_MS, c.detail);
    assert.match(c.detail, /renewBeforePercentage 25%/);
  });

  it('renewBefore wins over renewBeforePercentage', () => {
    const s = spec('api', { renewBefore: '5d', renewBeforeMs: 5 * DAY_MS, renewBeforePercentage: 50 });
    const c = one({ certificates: [s], lock: lockOf([s, entry(s)]), now: at(DAY_MS) });
    assert.match(c.detail, /renewBefore 5d/);
    assert.ok(c.renewAt.getTime() >= at(84.5 * DAY_MS).getTime(), c.detail);
  });

  it('a renewBefore not shorter than the lifetime is ignored instead of renewing forever', () => {
    const s = spec('api', { renewBefore: '120d', renewBeforeMs: 120 * DAY_MS });
    const c = one({ certificates: [s], lock: lockOf([s, entry(s)]), now: at(DAY_MS) });
    assert.equal(c.due, false);
    assert.match(c.detail, /renewBefore 120d is not shorter than the 90d lifetime/);
  });
});

describe('planRenewals: ACME Renewal Information', () => {
  const s = spec('api');
  const lock = lockOf([s, entry(s)]);
  const window = (startDay: number, endDay: number): RenewalWindow => ({ start: at(startDay * DAY_MS), end: at(endDay * DAY_MS) });

  it('puts the renewal point inside the window, and the same point on every run', () => {
    const w = window(40, 42);
    const first = one({ certificates: [s], lock, now: at(DAY_MS), ariWindows: new Map([['api', w]]) });
    assert.equal(first.due, false);
    assert.ok(first.renewAt.getTime() >= w.start.getTime() && first.renewAt.getTime() < w.end.getTime(), first.detail);
    assert.match(first.detail, /ARI window/);
    const again = one({ certificates: [s], lock, now: at(2 * DAY_MS), ariWindows: new Map([['api', { start: new Date(w.start), end: new Date(w.end) }]]) });
    assert.equal(again.renewAt.getTime(), first.renewAt.getTime());
  });

  it('overrides the default rule in both directions', () => {
    // Default point is about day 57-60: a window at day 70 makes day 62 not due...
    const late = one({ certificates: [s], lock, now: at(62 * DAY_MS), ariWindows: new Map([['api', window(70, 71)]]) });
    assert.equal(late.due, false);
    assert.equal(one({ certificates: [s], lock, now: at(62 * DAY_MS) }).due, true);
    // ...and a window at day 10 (a CA revoking early) makes day 11 due.
    const early = one({ certificates: [s], lock, now: at(11 * DAY_MS), ariWindows: new Map([['api', window(10, 10.5)]]) });
    assert.equal(early.due, true);
    assert.equal(early.reason, 'ari-window');
  });

  it('a window in the past makes it due now', () => {
    const c = one({ certificates: [s], lock, now: at(20 * DAY_MS), ariWindows: new Map([['api', window(5, 6)]]) });
    assert.equal(c.due, true);
    assert.equal(c.reason, 'ari-window');
    assert.ok(c.renewAt.getTime() < at(6 * DAY_MS).getTime());
  });

  it('is due at the ARI point exactly, and not before', () => {
    const ariWindows = new Map([['api', window(30, 31)]]);
    const point = one({ certificates: [s], lock, now: at(DAY_MS), ariWindows }).renewAt;
    assert.equal(one({ certificates: [s], lock, now: new Date(point.getTime() - 1), ariWindows }).due, false);
    assert.equal(one({ certificates: [s], lock, now: point, ariWindows }).due, true);
  });

  it('gives certificates sharing a window different points', () => {
    const names = Array.from({ length: 20 }, (_, i) => spec(`svc-${i}`));
    const lock20 = lockOf(...names.map((n) => [n, entry(n)] as [CertificateSpec, LockEntry]));
    const w = window(40, 42);
    const p = plan({ certificates: names, lock: lock20, now: at(DAY_MS), ariWindows: new Map(names.map((n) => [n.name, w])) });
    assert.equal(new Set(p.certificates.map((c) => c.renewAt.getTime())).size, 20);
  });

  it('moves the point when the CA moves the window', () => {
    const a = one({ certificates: [s], lock, now: at(DAY_MS), ariWindows: new Map([['api', window(40, 42)]]) });
    const b = one({ certificates: [s], lock, now: at(DAY_MS), ariWindows: new Map([['api', window(20, 22)]]) });
    assert.ok(b.renewAt.getTime() < at(22 * DAY_MS).getTime() && a.renewAt.getTime() >= at(40 * DAY_MS).getTime());
  });

  it('ignores an empty window, and one that ends after expiry, keeping the default rule', () => {
    const empty = one({ certificates: [s], lock, now: at(DAY_MS), ariWindows: new Map([['api', window(10, 10)]]) });
    assert.equal(empty.due, false);
    assert.match(empty.detail, /ignored \(empty\)/);
    const beyond = one({ certificates: [s], lock, now: at(DAY_MS), ariWindows: new Map([['api', window(95, 100)]]) });
    assert.equal(beyond.due, false);
    assert.ok(beyond.renewAt.getTime() < at(61 * DAY_MS).getTime(), beyond.detail);
    assert.match(beyond.detail, /ignored/);
  });

  it('only applies to the certificate it is keyed by', () => {
    const other = spec('web');
    const p = plan({ certificates: [s, other], lock: lockOf([s, entry(s)], [other, entry(other)]), now: at(11 * DAY_MS), ariWindows: new Map([['api', window(10, 10.5)]]) });
    assert.deepEqual(p.due, ['api']);
  });
});

describe('planRenewals: spec changes, key rotation, force and only', () => {
  const s = spec('api');

  it('a changed spec makes it due now', () => {
    const e = entry(s);
    const changed = spec('api', { dnsNames: ['api.example.com', 'new.example.com'] });
    const c = one({ certificates: [changed], lock: lockOf([s, e]), now: at(DAY_MS) });
    assert.equal(c.due, true);
    assert.equal(c.reason, 'spec-changed');
    assert.equal(c.renewAt.getTime(), at(DAY_MS).getTime());
    assert.match(c.detail, /certificates\.yaml changed/);
  });

  it('a change that does not alter the issued certificate (owners) does not make it due', () => {
    const e = entry(s);
    const c = one({ certificates: [spec('api', { owners: ['team-api'] })], lock: lockOf([s, e]), now: at(DAY_MS) });
    assert.equal(c.due, false);
  });

  it('a spec change on an expired certificate keeps the earlier renewal point', () => {
    const changed = spec('api', { usages: ['server auth'] });
    const c = one({ certificates: [changed], lock: lockOf([s, entry(s)]), now: at(100 * DAY_MS) });
    assert.equal(c.reason, 'spec-changed');
    assert.ok(c.renewAt.getTime() < at(61 * DAY_MS).getTime());
  });

  it('a retired key makes it due now with a new key, even under rotationPolicy Never', () => {
    const never = spec('api', { privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' } });
    const e = entry(never);
    const kept = one({ certificates: [never], lock: lockOf([never, e]), now: at(DAY_MS), retiredKeys: new Set(['some-other-pin']) });
    assert.equal(kept.due, false);
    assert.equal(kept.rotateKey, false);
    const c = one({ certificates: [never], lock: lockOf([never, e]), now: at(DAY_MS), retiredKeys: new Set([e.spkiSha256]) });
    assert.equal(c.due, true);
    assert.equal(c.reason, 'key-rotation');
    assert.equal(c.rotateKey, true);
  });

  it('rotateKey follows rotationPolicy for time-based renewals', () => {
    const never = spec('api', { privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Never' } });
    assert.equal(one({ certificates: [never], lock: lockOf([never, entry(never)]), now: at(80 * DAY_MS) }).rotateKey, false);
    assert.equal(one({ certificates: [s], lock: lockOf([s, entry(s)]), now: at(80 * DAY_MS) }).rotateKey, true);
  });

  it('force makes not-due certificates due as forced, and keeps the real reason of the others', () => {
    const fresh = spec('fresh');
    const absent = spec('absent');
    const p = plan({ certificates: [fresh, absent], lock: lockOf([fresh, entry(fresh)]), now: at(DAY_MS), force: true });
    assert.deepEqual(p.certificates.map((c) => [c.name, c.due, c.reason]), [['fresh', true, 'forced'], ['absent', true, 'missing']]);
    assert.match(p.certificates[0]!.detail, /would have been due/);
    assert.equal(p.nextDue, undefined);
  });

  it('only restricts the plan (and force) to the named certificates', () => {
    const a = spec('a');
    const b = spec('b');
    const c = spec('c');
    const lock = lockOf([a, entry(a)], [b, entry(b)], [c, entry(c)]);
    const p = plan({ certificates: [a, b, c], lock, now: at(DAY_MS), only: ['c', 'a'], force: true });
    assert.deepEqual(p.certificates.map((x) => x.name), ['a', 'c']);
    assert.deepEqual(p.due, ['a', 'c']);
    assert.deepEqual(p.skipped, ['b']);
  });

  it('an unknown name in only is an error that suggests the likely one', () => {
    assert.throws(() => plan({ certificates: [spec('api'), spec('web')], only: ['apj'] }), (e: unknown) => {
      assert.ok(e instanceof PlanInputError);
      assert.match(e.message, /"apj" \(did you mean "api"\?\)/);
      assert.match(e.message, /Known certificates: api, web/);
      return true;
    });
  });
});

describe('planRenewals: stability, nextDue and the spread', () => {
  it('two runs with the same input give the same plan', () => {
    const certs = [spec('a'), spec('b', { renewBefore: '20d', renewBeforeMs: 20 * DAY_MS }), spec('c')];
    const lock = lockOf([certs[0]!, entry(certs[0]!)], [certs[1]!, entry(certs[1]!)]);
    const input = { certificates: certs, lock, now: at(65 * DAY_MS), ariWindows: new Map([['a', { start: at(60 * DAY_MS), end: at(70 * DAY_MS) }]]) };
    assert.deepEqual(planRenewals(input), planRenewals(input));
  });

  it('nextDue is the earliest renewal point among the certificates not due', () => {
    const a = spec('a', { renewBefore: '10d', renewBeforeMs: 10 * DAY_MS });
    const b = spec('b', { renewBefore: '40d', renewBeforeMs: 40 * DAY_MS });
    const missing = spec('m');
    const p = plan({ certificates: [a, b, missing], lock: lockOf([a, entry(a)], [b, entry(b)]), now: at(DAY_MS) });
    assert.deepEqual(p.due, ['m']);
    assert.equal(p.nextDue?.name, 'b');
    assert.equal(p.nextDue?.renewAt.getTime(), p.certificates[1]!.renewAt.getTime());
  });

  it('spreads 100 certificates issued at the same instant over distinct points, earlier than the rule', () => {
    const certs = Array.from({ length: 100 }, (_, i) => spec(`host-${String(i).padStart(3, '0')}`));
    const lock = lockOf(...certs.map((c, i) => [c, entry(c, { serial: (0x1000 + i).toString(16) })] as [CertificateSpec, LockEntry]));
    const p = plan({ certificates: certs, lock, now: at(DAY_MS) });
    const points = p.certificates.map((c) => c.renewAt.getTime());
    assert.equal(new Set(points).size, 100, 'every certificate gets its own point');
    const rule = at(60 * DAY_MS).getTime();
    assert.ok(points.every((t) => t <= rule && t >= rule - 3 * DAY_MS), 'within 10% of the 30-day window, never later');
    assert.ok(Math.max(...points) - Math.min(...points) > 2 * DAY_MS, 'spread over more than two days');
    // A daily schedule must not renew them all in one run.
    const firstRun = new Date(Math.ceil(Math.min(...points) / DAY_MS) * DAY_MS);
    const dueFirst = plan({ certificates: certs, lock, now: firstRun }).due.length;
    assert.ok(dueFirst > 0 && dueFirst < 60, `first daily run renews ${dueFirst} of 100`);
  });

  it('a reissued certificate (new serial) gets a new spread offset', () => {
    const s = spec('api');
    const a = one({ certificates: [s], lock: lockOf([s, entry(s, { serial: '01' })]), now: at(DAY_MS) });
    const b = one({ certificates: [s], lock: lockOf([s, entry(s, { serial: '02' })]), now: at(DAY_MS) });
    assert.notEqual(a.renewAt.getTime(), b.renewAt.getTime());
  });

  it('stableFraction is in [0, 1) and deterministic', () => {
    for (const text of ['', 'a', 'api\u0000abc', 'x'.repeat(1000)]) {
      const f = stableFraction(text);
      assert.ok(f >= 0 && f < 1);
      assert.equal(stableFraction(text), f);
    }
    assert.notEqual(stableFraction('a'), stableFraction('b'));
  });
});
