// The ACME issuer against a real Pebble with real validation: every name resolves to 127.0.0.1
// through pebble-challtestsrv, and Pebble's VA fetches http-01 answers from its httpPort,
// where the code under test listens (standalone) or a static server serves the webroot.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { AcmeIssuer, type AcmeIssuerOptions, type AcmeLogEntry } from '../../src/issuers/acme/index.js';
import { readCertificateChain, describeCertificate } from '../../src/pki/certificate-info.js';
import { accountKeyPem, issueRequest, opensslVerify } from '../helpers/acme-requests.js';
import { startChallTestSrv, type ChallTestSrv } from '../helpers/challtestsrv.js';
import { createLoopbackTls, type LoopbackTls } from '../helpers/loopback-tls.js';
import { startPebble, type Pebble } from '../helpers/pebble.js';
import { freePort } from '../helpers/ports.js';
import { findProgram, requireProgram } from '../helpers/system.js';

const PROGRAMS: [string, string][] = [['pebble', 'pebble'], ['pebble-challtestsrv', 'pebble'], ['openssl', 'openssl']];
const available = PROGRAMS.every(([program]) => findProgram(program));

/** Skips (or fails under CERTOPS_REQUIRE_SYSTEM=1) when a program is missing. */
function needPrograms(t: TestContext): boolean {
  return PROGRAMS.every(([program, pkg]) => requireProgram(t, program, pkg) !== undefined);
}

describe('AcmeIssuer against Pebble 2.4 (real validation, 50% of nonces rejected)', () => {
  let work: string;
  let tls: LoopbackTls;
  let dns: ChallTestSrv;
  let pebble: Pebble;
  const issuers: AcmeIssuer[] = [];
  const servers: Server[] = [];

  before(async () => {
    if (!available) return;
    work = await mkdtemp(join(tmpdir(), 'certops-acme-pebble-'));
    tls = await createLoopbackTls(work);
    dns = await startChallTestSrv();
    pebble = await startPebble({ dnsServer: dns.dnsAddress, nonceRejectPercent: 50, tls });
  });

  after(async () => {
    for (const issuer of issuers) await issuer.close();
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await pebble?.stop();
    await dns?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function issuer(spec: Partial<AcmeIssuerOptions['spec']>, options: Partial<AcmeIssuerOptions> = {}): Promise<AcmeIssuer> {
    const created = new AcmeIssuer({
      name: 'pebble',
      spec: { directory: pebble.directoryUrl, email: 'pki@example.com', ...spec },
      accountKeyPem: await accountKeyPem(),
      trust: { caCertificatesPem: [pebble.tls.caPem] },
      ...options,
    });
    issuers.push(created);
    return created;
  }

  it('issues through http-01 standalone on Pebble\'s httpPort; the chain verifies to Pebble\'s root; the listener is gone after', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer({ solvers: [{ http01: { listen: `127.0.0.1:${pebble.httpPort}` } }] });
    const started = Date.now();
    const issued = await acme.obtain(await issueRequest('web', ['web.example.com', 'www.web.example.com']));
    t.diagnostic(`first certificate (account creation included): ${Date.now() - started} ms`);
    const chain = readCertificateChain(issued.certificatePem);
    assert.ok(chain.length >= 2, 'leaf and intermediate');
    assert.ok(chain[1]!.raw.equals(readCertificateChain(pebble.intermediatePem)[0]!.raw), 'the chain carries Pebble\'s intermediate');
    assert.deepEqual(describeCertificate(chain[0]!).dnsNames.sort(), ['web.example.com', 'www.web.example.com']);
    assert.match(await opensslVerify(issued.certificatePem, pebble.rootPem), /leaf\.pem: OK/);
    assert.equal(issued.ariCertId, undefined, 'Pebble 2.4 has no renewalInfo, so no ARI id');
    await assert.rejects(probePort(pebble.httpPort), /ECONNREFUSED/, 'the http-01 listener is closed after the order');
  });

  it('issues five certificates at once while Pebble rejects half of all nonces, over one shared http-01 listener', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer({ solvers: [{ http01: { listen: `127.0.0.1:${pebble.httpPort}` } }] });
    const requests = await Promise.all([1, 2, 3, 4, 5].map((n) => issueRequest(`n${n}`, [`n${n}.example.com`])));
    const started = Date.now();
    const results = await Promise.allSettled(requests.map((r) => acme.obtain(r)));
    t.diagnostic(`5 certificates in parallel: ${Date.now() - started} ms`);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    assert.deepEqual(failures, [], 'every certificate is issued');
    const sequentialStart = Date.now();
    for (const r of requests.slice(0, 3)) await acme.obtain(r);
    t.diagnostic(`3 certificates one after another: ${Math.round((Date.now() - sequentialStart) / 3)} ms each`);
  });

  it('issues through an http-01 webroot served by another web server, trusting the CA from caCertificate, and leaves the webroot empty', async (t) => {
    if (!needPrograms(t)) return;
    const webroot = join(work, 'webroot');
    const served: string[] = [];
    const server = createServer((req, res) => {
      served.push(req.url ?? '');
      readFile(join(webroot, decodeURIComponent(req.url ?? '/')))
        .then((body) => res.writeHead(200).end(body))
        .catch(() => res.writeHead(404).end());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(pebble.httpPort, '127.0.0.1', resolve));
    try {
      await writeFile(join(work, 'pebble-tls-ca.pem'), pebble.tls.caPem);
      const acme = await issuer({ caCertificate: 'pebble-tls-ca.pem', solvers: [{ http01: { webroot } }] }, { trust: undefined, baseDir: work });
      const issued = await acme.obtain(await issueRequest('static', ['static.example.com']));
      assert.match(await opensslVerify(issued.certificatePem, pebble.rootPem), /OK/);
      assert.ok(served.some((url) => url.startsWith('/.well-known/acme-challenge/')), 'Pebble fetched the answer from the web server');
      assert.deepEqual(await readdir(join(webroot, '.well-known', 'acme-challenge')), [], 'the answer file is removed');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers dns-01 through an exec hook for the names its selector picks (a wildcard among them) and http-01 for the rest', async (t) => {
    if (!needPrograms(t)) return;
    const hook = join(work, 'txt-hook.mjs');
    const calls = join(work, 'hook-calls.log');
    // The hook a user would write: add/remove a TXT record through their DNS provider's API.
    await writeFile(hook, [
      "import { appendFileSync } from 'node:fs';",
      'const [management, log, action, fqdn, value] = process.argv.slice(2);',
      "appendFileSync(log, `${action} ${fqdn} ${value}\\n`);",
      "const path = action === 'add' ? '/set-txt' : '/clear-txt';",
      "const response = await fetch(management + path, { method: 'POST', body: JSON.stringify({ host: fqdn, value }) });",
      'if (!response.ok) { console.error(`challtestsrv answered ${response.status}`); process.exit(1); }',
      '',
    ].join('\n'));
    const acme = await issuer({
      solvers: [
        { http01: { listen: `127.0.0.1:${pebble.httpPort}` } },
        { dns01: { exec: { command: [process.execPath, hook, dns.managementUrl, calls] } }, selector: { dnsZones: ['dns.example.com'] } },
      ],
    });
    const issued = await acme.obtain(await issueRequest('mixed', ['plain.example.com', 'dns.example.com', '*.dns.example.com']));
    assert.deepEqual(describeCertificate(readCertificateChain(issued.certificatePem)[0]!).dnsNames.sort(), ['*.dns.example.com', 'dns.example.com', 'plain.example.com']);
    const lines = (await readFile(calls, 'utf8')).trim().split('\n').map((line) => line.split(' '));
    assert.equal(lines.length, 4, 'two TXT values added and removed');
    assert.deepEqual(lines.filter(([action]) => action === 'add').map(([, fqdn]) => fqdn), ['_acme-challenge.dns.example.com.', '_acme-challenge.dns.example.com.']);
    for (const [, fqdn, value] of lines.filter(([action]) => action === 'add')) {
      assert.ok(lines.some(([action, f, v]) => action === 'remove' && f === fqdn && v === value), `the hook removed ${value}`);
    }
    const resolver = new Resolver();
    resolver.setServers([dns.dnsAddress]);
    const left = await resolver.resolveTxt('_acme-challenge.dns.example.com').catch((error: { code?: string }) => {
      if (error.code === 'ENODATA' || error.code === 'ENOTFOUND') return [];
      throw error;
    });
    assert.deepEqual(left, [], 'no TXT record is left behind');
  });

  it('reports a failed validation with the name and the solver, and still cleans up', async (t) => {
    if (!needPrograms(t)) return;
    const logs: AcmeLogEntry[] = [];
    // Listening on a port Pebble does not look at: the CA finds no answer.
    const elsewhere = await freePort();
    const acme = await issuer({ solvers: [{ http01: { listen: `127.0.0.1:${elsewhere}` } }] }, { logger: (e) => logs.push(e) });
    await assert.rejects(acme.obtain(await issueRequest('broken', ['broken.example.com'])), (error: Error) => {
      assert.ok(error.message.startsWith(`ACME issuer pebble: order for broken: broken.example.com (http-01 standalone on 127.0.0.1:${elsewhere}): `), error.message);
      assert.match(error.message, /refused/i);
      t.diagnostic(error.message);
      return true;
    });
    assert.ok(!logs.some((e) => e.level === 'warn' && /cleaning up/.test(e.message)), 'cleanup succeeded');
  });

  it('explains a CA whose TLS certificate is not trusted, quickly, instead of acme-client\'s TypeError', async (t) => {
    if (!needPrograms(t)) return;
    // Pebble's issuing root is a CA, but not the one that signed Pebble's HTTPS certificate.
    const acme = await issuer({ solvers: [{ http01: {} }] }, { trust: { caCertificatesPem: [pebble.rootPem] } });
    const started = Date.now();
    await assert.rejects(acme.obtain(await issueRequest('untrusted', ['untrusted.example.com'])), (error: Error) => {
      t.diagnostic(error.message);
      assert.doesNotMatch(error.message, /Cannot read properties/);
      assert.match(error.message, /ACME directory https:\/\/127\.0\.0\.1:\d+\/dir is served with a TLS certificate that Node does not trust/);
      assert.match(error.message, /issuers\.pebble\.acme\.caCertificate/);
      assert.match(error.message, /NODE_EXTRA_CA_CERTS/);
      return true;
    });
    assert.ok(Date.now() - started < 2_000, 'a trust failure is not retried');
  });
});

describe('AcmeIssuer with External Account Binding (Pebble requiring EAB)', () => {
  const kid = 'certops-kid';
  const hmacKey = Buffer.from('certops test EAB HMAC key, 32+ bytes long......').toString('base64url');
  let pebble: Pebble;
  const issuers: AcmeIssuer[] = [];

  before(async () => {
    if (!available) return;
    pebble = await startPebble({ alwaysValid: true, externalAccountMacKeys: { [kid]: hmacKey } });
  });

  after(async () => {
    for (const issuer of issuers) await issuer.close();
    await pebble?.stop();
  });

  async function issuer(binding: { keyId: string; hmacKeySecret: string } | undefined, env: NodeJS.ProcessEnv): Promise<AcmeIssuer> {
    const created = new AcmeIssuer({
      name: 'zerossl-like',
      // Pebble validates nothing here (PEBBLE_VA_ALWAYS_VALID), so the listener's port does not matter.
      spec: { directory: pebble.directoryUrl, ...(binding ? { externalAccountBinding: binding } : {}), solvers: [{ http01: { listen: `127.0.0.1:${await freePort()}` } }] },
      accountKeyPem: await accountKeyPem(),
      trust: { caCertificatesPem: [pebble.tls.caPem] },
      env,
    });
    issuers.push(created);
    return created;
  }

  it('binds the new account with the kid and the HMAC key from the named secret', async (t) => {
    if (!needPrograms(t)) return;
    const acme = await issuer({ keyId: kid, hmacKeySecret: 'CERTOPS_TEST_EAB_HMAC' }, { CERTOPS_TEST_EAB_HMAC: hmacKey });
    const issued = await acme.obtain(await issueRequest('eab', ['eab.example.com']));
    assert.equal(readCertificateChain(issued.certificatePem).length >= 2, true);
  });

  it('finds the bound account again by its key instead of making a second one', async (t) => {
    if (!needPrograms(t)) return;
    const key = await accountKeyPem();
    const binding = { keyId: kid, hmacKeySecret: 'CERTOPS_TEST_EAB_HMAC' };
    const env = { CERTOPS_TEST_EAB_HMAC: hmacKey };
    const urls: string[] = [];
    for (const email of ['first@example.com', 'second@example.com']) {
      const acme = new AcmeIssuer({ name: 'zerossl-like', spec: { directory: pebble.directoryUrl, email, externalAccountBinding: binding }, accountKeyPem: key, trust: { caCertificatesPem: [pebble.tls.caPem] }, env });
      issuers.push(acme);
      urls.push(await acme.accountUrl());
    }
    assert.equal(urls[0], urls[1]);
    assert.match(urls[0]!, /^https:\/\/127\.0\.0\.1:\d+\//);
  });

  it('says that the CA requires EAB when none is configured, and names a missing secret', async (t) => {
    if (!needPrograms(t)) return;
    await assert.rejects((await issuer(undefined, {})).obtain(await issueRequest('no-eab', ['no-eab.example.com'])), /requires External Account Binding: set issuers\.zerossl-like\.acme\.externalAccountBinding/);
    await assert.rejects((await issuer({ keyId: kid, hmacKeySecret: 'UNSET_SECRET' }, {})).obtain(await issueRequest('unset', ['unset.example.com'])), /EAB HMAC key UNSET_SECRET .* is not set/);
  });

  it('fails with the CA\'s reason when the HMAC key is wrong', async (t) => {
    if (!needPrograms(t)) return;
    const wrong = Buffer.from('not the key that Pebble has for this kid........').toString('base64url');
    await assert.rejects((await issuer({ keyId: kid, hmacKeySecret: 'EAB' }, { EAB: wrong })).obtain(await issueRequest('bad-eab', ['bad-eab.example.com'])), (error: Error) => {
      t.diagnostic(error.message);
      assert.match(error.message, /ACME issuer zerossl-like: account: .*external account binding/i);
      assert.doesNotMatch(error.message, new RegExp(wrong), 'the HMAC key is not in the message');
      return true;
    });
  });
});

/** Resolves when something accepts a TCP connection on 127.0.0.1:port. */
function probePort(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}
