import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AcmeSolverSpec } from '../../src/manifest/types.js';
import { orderIdentifiers } from '../../src/issuers/acme/acme-issuer.js';
import { parseServer } from '../../src/issuers/acme/solvers/dns01-rfc2136.js';
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
