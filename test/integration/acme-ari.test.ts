// ACME Renewal Information (RFC 9773), ACME profiles and transient faults, against Pebble 2.4
// behind test/helpers/ari-proxy.ts: the proxy adds `renewalInfo` (and meta.profiles) to the
// directory, answers renewalInfo lookups, records newOrder payloads and injects faults; all
// other requests reach Pebble unchanged.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { AcmeIssuer, ariCertificateId, type AcmeIssuerOptions, type AcmeLogEntry } from '../../src/issuers/acme/index.js';
import { readCertificateChain } from '../../src/pki/certificate-info.js';
import { accountKeyPem, issueRequest } from '../helpers/acme-requests.js';
import { startAriProxy, type AriProxy } from '../helpers/ari-proxy.js';
import { createLoopbackTls, type LoopbackTls } from '../helpers/loopback-tls.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { freePort } from '../helpers/ports.js';
import { findProgram, requireProgram } from '../helpers/system.js';

const PROGRAMS: [string, string][] = [['pebble', 'pebble'], ['openssl', 'openssl']];
const available = PROGRAMS.every(([program]) => findProgram(program));

function needPrograms(t: TestContext): boolean {
  return PROGRAMS.every(([program, pkg]) => requireProgram(t, program, pkg) !== undefined);
}

const PROFILES = { classic: 'The same profile you know and love', shortlived: 'A short-lived certificate' };

describe('RFC 9773 ARI, profiles and transient faults through a proxy in front of Pebble', () => {
  let work: string;
  let tls: LoopbackTls;
  let pebble: Pebble;
  let proxy: AriProxy;
  const issuers: AcmeIssuer[] = [];

  before(async () => {
    if (!available) return;
    work = await mkdtemp(join(tmpdir(), 'certops-acme-ari-'));
    tls = await createLoopbackTls(work);
    // Validation is not what this file tests; Pebble passes every challenge.
    pebble = await startPebble({ alwaysValid: true, nonceRejectPercent: 0, tls });
    proxy = await startAriProxy({ pebbleDirectoryUrl: pebble.directoryUrl, pebbleCaPem: tls.caPem, tls, profiles: PROFILES });
  });

  after(async () => {
    for (const issuer of issuers) await issuer.close();
    await proxy?.stop();
    await pebble?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function issuer(spec: Partial<AcmeIssuerOptions['spec']> = {}, options: Partial<AcmeIssuerOptions> = {}): Promise<AcmeIssuer> {
    const created = new AcmeIssuer({
      name: 'ari',
      spec: { directory: proxy.directoryUrl, solvers: [{ http01: { listen: `127.0.0.1:${await freePort()}` } }], ...spec },
      accountKeyPem: await accountKeyPem(),
      trust: { caCertificatesPem: [tls.caPem] },
      ...options,
    });
    issuers.push(created);
    return created;
  }

  it('returns the ARI id of an issued certificate, and its suggested window from renewalInfo', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer();
    const issued = await acme.obtain(await issueRequest('ari', ['ari.example.com']));
    assert.equal(issued.ariCertId, ariCertificateId(issued.certificatePem));
    const [akiPart, serialPart] = issued.ariCertId!.split('.');
    assert.match(akiPart!, /^[A-Za-z0-9_-]{20,}$/, 'base64url AKI key identifier');
    const serialOctets = Buffer.from(serialPart!, 'base64url');
    assert.ok(serialOctets[0]! < 0x80, 'a DER INTEGER of a positive serial');
    assert.equal(BigInt(`0x${serialOctets.toString('hex')}`), BigInt(`0x${readCertificateChain(issued.certificatePem)[0]!.serialNumber}`));

    const asked: string[] = [];
    proxy.setRenewalInfo((certId) => {
      asked.push(certId);
      return {
        body: { suggestedWindow: { start: '2030-01-02T00:00:00Z', end: '2030-01-03T00:00:00Z' }, explanationURL: 'https://ca.example/why' },
        retryAfter: '3600',
      };
    });
    const window = await acme.renewalInfo(issued.certificatePem);
    assert.deepEqual(window, { start: new Date('2030-01-02T00:00:00Z'), end: new Date('2030-01-03T00:00:00Z'), explanationURL: 'https://ca.example/why' });
    assert.deepEqual(asked, [issued.ariCertId], 'GET renewalInfo/<certId>');
    await acme.renewalInfo(issued.certificatePem);
    assert.equal(asked.length, 1, 'within Retry-After the answer is reused, not fetched again');
  });

  it('sends `replaces` with the new order, and orders anyway when the CA refuses it', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer();
    const first = await acme.obtain(await issueRequest('rep', ['rep.example.com']));
    const before = proxy.newOrders().length;
    const second = await acme.obtain(await issueRequest('rep', ['rep.example.com'], { replaces: first.ariCertId! }));
    assert.ok(second.ariCertId && second.ariCertId !== first.ariCertId);
    const sent = proxy.newOrders().slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.replaces, first.ariCertId, 'the newOrder JWS payload carries replaces');
    assert.deepEqual(sent[0]!.identifiers, [{ type: 'dns', value: 'rep.example.com' }]);

    const logs: AcmeLogEntry[] = [];
    const refusing = await issuer({}, { logger: (e) => logs.push(e) });
    proxy.injectFault('/order-plz', { kind: 'status', status: 409, problem: { type: 'urn:ietf:params:acme:error:alreadyReplaced', detail: 'certificate already replaced' } });
    const third = await refusing.obtain(await issueRequest('rep', ['rep.example.com'], { replaces: first.ariCertId! }));
    assert.ok(third.certificatePem);
    const last = proxy.newOrders().slice(-2);
    assert.equal(last[0]!.replaces, first.ariCertId);
    assert.equal(last[1]!.replaces, undefined, 'the retry goes without replaces');
    assert.ok(logs.some((e) => e.level === 'warn' && /refused the order with replaces/.test(e.message)));
  });

  it('gives undefined when the CA does not know the certificate (404) or has no renewalInfo at all', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer();
    const issued = await acme.obtain(await issueRequest('unknown', ['unknown.example.com']));
    proxy.setRenewalInfo(() => ({ status: 404, body: { type: 'urn:ietf:params:acme:error:malformed', detail: 'unknown certificate' } }));
    assert.equal(await acme.renewalInfo(issued.certificatePem), undefined);
    const direct = await issuer({ directory: pebble.directoryUrl });
    assert.equal(await direct.renewalInfo(issued.certificatePem), undefined, 'Pebble itself has no renewalInfo');
    const plain = await direct.obtain(await issueRequest('plain', ['plain.example.com'], { replaces: issued.ariCertId! }));
    assert.equal(plain.ariCertId, undefined);
  });

  it('sends the configured profile when the CA offers it, and names the offered ones when it does not', async (t) => {
    if (!needPrograms(t)) return;
    const before = proxy.newOrders().length;
    await (await issuer({ profile: 'shortlived' })).obtain(await issueRequest('short', ['short.example.com']));
    assert.equal(proxy.newOrders().slice(before)[0]!.profile, 'shortlived');
    await assert.rejects((await issuer({ profile: 'tlsserver' })).obtain(await issueRequest('p', ['p.example.com'])), /profile "tlsserver" is not offered by the CA; it offers classic, shortlived/);
    await assert.rejects((await issuer({ profile: 'shortlived', directory: pebble.directoryUrl })).obtain(await issueRequest('p', ['p.example.com'])), /advertises no profiles/);
  });

  it('retries 5xx, 429 with Retry-After and connection resets, and reports a long rate limit at once', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer();
    await acme.obtain(await issueRequest('warmup', ['warmup.example.com']));
    proxy.setRenewalInfo(() => ({ body: { suggestedWindow: { start: '2030-01-02T00:00:00Z', end: '2030-01-03T00:00:00Z' } } }));
    const start = proxy.requests.length;
    proxy.injectFault('/order-plz', { kind: 'status', status: 503 });
    proxy.injectFault('/order-plz', { kind: 'reset' });
    proxy.injectFault('/order-plz', { kind: 'status', status: 429, retryAfter: '1' });
    proxy.injectFault('/finalize-order/', { kind: 'reset' });
    proxy.injectFault('/renewal-info/', { kind: 'status', status: 500 });
    const started = Date.now();
    const issued = await acme.obtain(await issueRequest('faulty', ['faulty.example.com']));
    const window = await acme.renewalInfo(issued.certificatePem);
    t.diagnostic(`issued through 5 injected faults in ${Date.now() - started} ms`);
    assert.deepEqual(window, { start: new Date('2030-01-02T00:00:00Z'), end: new Date('2030-01-03T00:00:00Z') });
    const faulted = proxy.requests.slice(start).filter((r) => r.fault).map((r) => `${r.fault} ${r.path.split('/')[1]}`);
    assert.deepEqual(faulted, ['status order-plz', 'reset order-plz', 'status order-plz', 'reset finalize-order', 'status renewal-info']);
    assert.ok(Date.now() - started >= 1_000, 'Retry-After: 1 was honoured');

    proxy.injectFault('/order-plz', { kind: 'status', status: 429, retryAfter: '86400', problem: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many certificates already issued for this name' } });
    const limited = Date.now();
    await assert.rejects(acme.obtain(await issueRequest('limited', ['limited.example.com'])), /too many certificates already issued/);
    t.diagnostic(`rate limit reported after ${Date.now() - limited} ms`);
    assert.ok(Date.now() - limited < 2_000, 'a day-long Retry-After is reported, not waited for');
  });
});
