import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AcmeSolverSpec } from '../../src/manifest/types.js';
import { orderIdentifiers } from '../../src/issuers/acme/acme-issuer.js';
import { ExecDns01Solver } from '../../src/issuers/acme/solvers/dns01-exec.js';
import { parseServer, Rfc2136Dns01Solver } from '../../src/issuers/acme/solvers/dns01-rfc2136.js';
import type { ChallengeTask } from '../../src/issuers/acme/solvers/types.js';
import { parseListen } from '../../src/issuers/acme/solvers/http01-standalone.js';
import { selectSolver } from '../../src/issuers/acme/solvers/select.js';

const both = ['http-01', 'dns-01'];

describe('selectSolver', () => {
  const solvers: AcmeSolverSpec[] = [
    { http01: { listen: ':80' } },
    { dns01: { exec: { command: ['zone-hook'] } }, selector: { dnsZones: ['example.com'] } },
    { dns01: { exec: { command: ['sub-zone-hook'] } }, selector: { dnsZones: ['internal.example.com'] } },
    { dns01: { exec: { command: ['name-hook'] } }, selector: { dnsNames: ['api.internal.example.com'] } },
  ];

  it('prefers a dnsNames match over any zone, a longer zone over a shorter one, and a selector over none', () => {
    assert.equal(selectSolver(solvers, 'api.internal.example.com', both), 3);
    assert.equal(selectSolver(solvers, 'db.internal.example.com', both), 2);
    assert.equal(selectSolver(solvers, 'www.example.com', both), 1);
    assert.equal(selectSolver(solvers, 'example.com', both), 1);
    assert.equal(selectSolver(solvers, 'other.org', both), 0);
  });

  it('matches zones on label boundaries only, case-insensitively', () => {
    assert.equal(selectSolver(solvers, 'notexample.com', both), 0);
    assert.equal(selectSolver(solvers, 'WWW.Example.COM', both), 1);
  });

  it('skips solvers of a challenge type the CA did not offer (http-01 for a wildcard)', () => {
    const httpFirst: AcmeSolverSpec[] = [{ http01: { listen: ':80' } }, { dns01: { exec: { command: ['hook'] } } }];
    assert.equal(selectSolver(httpFirst, '*.example.com', ['dns-01']), 1);
    assert.equal(selectSolver([{ http01: {} }], '*.example.com', ['dns-01']), undefined);
  });

  it('takes the first of equally specific entries, and finds none when every selector misses', () => {
    const twins: AcmeSolverSpec[] = [{ http01: { webroot: '/a' } }, { http01: { webroot: '/b' } }];
    assert.equal(selectSolver(twins, 'x.example.com', both), 0);
    assert.equal(selectSolver([{ http01: {}, selector: { dnsZones: ['example.org'] } }], 'x.example.com', both), undefined);
  });
});

describe('orderIdentifiers', () => {
  it('orders the DNS names, the commonName when it is not among them, and IP addresses', () => {
    assert.deepEqual(orderIdentifiers({ commonName: 'cn.example.com', dnsNames: ['a.example.com', 'a.example.com'], ipAddresses: ['192.0.2.1'] }), [
      { type: 'dns', value: 'cn.example.com' },
      { type: 'dns', value: 'a.example.com' },
      { type: 'ip', value: '192.0.2.1' },
    ]);
    assert.throws(() => orderIdentifiers({ dnsNames: [], ipAddresses: [] }), /no DNS name or IP address/);
  });
});

describe('address parsing', () => {
  it('reads http01.listen forms', () => {
    assert.deepEqual(parseListen('127.0.0.1:5002'), { host: '127.0.0.1', port: 5002 });
    assert.deepEqual(parseListen(':80'), { host: undefined, port: 80 });
    assert.deepEqual(parseListen('8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
    assert.throws(() => parseListen('localhost'), /http01.listen/);
    assert.throws(() => parseListen(':70000'), /http01.listen/);
  });

  it('reads rfc2136.server forms', () => {
    assert.deepEqual(parseServer('10.0.0.53'), { host: '10.0.0.53', port: 53 });
    assert.deepEqual(parseServer('ns1.example.com:5353'), { host: 'ns1.example.com', port: 5353 });
    assert.deepEqual(parseServer('2001:db8::53'), { host: '2001:db8::53', port: 53 });
    assert.deepEqual(parseServer('[2001:db8::53]:5353'), { host: '2001:db8::53', port: 5353 });
    assert.throws(() => parseServer('ns1 ; rm -rf'), /rfc2136.server/);
  });
});

describe('dns-01 programs run through the shared command runner', () => {
  const task = { identifier: { type: 'dns', value: 'api.example.test' }, token: 't', keyAuthorization: 'k', value: 'dGVzdHZhbHVl' } as unknown as ChallengeTask;

  it('an exec hook gets the arguments and certops\' environment, but not the age identity, as an action input or a CERTOPS_ variable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certops-hook-'));
    try {
      const out = join(dir, 'seen');
      const hook = join(dir, 'hook.sh');
      writeFileSync(hook, `#!/bin/sh\necho "$1 $2 $3 identity=[$INPUT_IDENTITY$CERTOPS_AGE_IDENTITY] token=[$DNS_TOKEN]" > "${out}"\n`, { mode: 0o755 });
      const env = { PATH: process.env.PATH, INPUT_IDENTITY: 'AGE-SECRET-KEY-1SECRET', CERTOPS_AGE_IDENTITY: 'AGE-SECRET-KEY-1SECRET', DNS_TOKEN: 'provider-token' };
      const solver = new ExecDns01Solver([hook], { timeoutMs: 10_000, env });
      await solver.present(task);
      assert.equal(readFileSync(out, 'utf8').trim(), 'add _acme-challenge.api.example.test. dGVzdHZhbHVl identity=[] token=[provider-token]');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failing nsupdate is reported with its output, and the TSIG secret it was given is redacted from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'certops-nsupdate-'));
    try {
      // Stands in for an nsupdate that echoes its input on failure.
      const fake = join(dir, 'nsupdate');
      writeFileSync(fake, '#!/bin/sh\ncat >&2\nexit 2\n', { mode: 0o755 });
      // Short, as a hand-made TSIG key can be: still redacted.
      const secret = 'c2VjcmV0LXg=';
      const solver = new Rfc2136Dns01Solver({ server: '127.0.0.1:5353', tsigKeyName: 'certops', tsigSecret: secret }, { nsupdatePath: fake, timeoutMs: 10_000 });
      await assert.rejects(solver.present(task), (err: Error) => {
        assert.match(err.message, /^RFC 2136 update of _acme-challenge\.api\.example\.test\. at 127\.0\.0\.1:5353 failed: nsupdate exited with code 2: .*update add/);
        assert.ok(!err.message.includes(secret), err.message);
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
