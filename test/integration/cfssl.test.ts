import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { initCa } from '../../src/issuers/ca/index.js';
import { CfsslIssuer } from '../../src/issuers/cfssl.js';
import type { IssueRequest } from '../../src/issuers/types.js';
import type { CertificateSpec } from '../../src/manifest/types.js';
import { readCertificateChain } from '../../src/pki/certificate-info.js';
import { createCsr } from '../../src/pki/csr.js';
import { generatePrivateKey, publicKeyToPem, type KeyType } from '../../src/pki/private-key.js';
import { requireProgram } from '../helpers/system.js';

const DAY = 24 * 60 * 60 * 1000;
const noWait = { sleep: async () => undefined };

function spec(overrides: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    name: 'api',
    index: 0,
    commonName: 'api.example.com',
    dnsNames: ['api.example.com', 'www.api.example.com'],
    ipAddresses: ['192.0.2.7', '2001:db8::7'],
    uris: [],
    emailAddresses: [],
    duration: '30d',
    durationMs: 30 * DAY,
    privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    usages: ['digital signature', 'server auth'],
    issuer: 'remote',
    owners: [],
    deploy: [],
    labels: {},
    ...overrides,
  };
}

async function request(s: CertificateSpec, keyType: KeyType = s.privateKey): Promise<IssueRequest> {
  const key = await generatePrivateKey(keyType);
  return { spec: s, csrPem: await createCsr(s, key), publicKeyPem: publicKeyToPem(key), now: new Date() };
}

/** A port nobody listens on right now: bind port 0, read it, let it go. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls until the port accepts connections; fails at once if the process exits first. */
async function waitForPort(port: number, child: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`cfssl serve exited before listening:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`cfssl serve did not listen on ${port} within ${timeoutMs} ms:\n${log()}`);
    await wait(20);
  }
}

interface Cfssl {
  url: string;
  dir: string;
  caPem: string;
  openssl: string;
}

/** A CA made by cfssl itself, served by `cfssl serve` on a free loopback port, stopped after the test. */
async function startCfssl(t: TestContext): Promise<Cfssl | undefined> {
  const cfssl = requireProgram(t, 'cfssl', 'golang-cfssl');
  const cfssljson = cfssl && requireProgram(t, 'cfssljson', 'golang-cfssl');
  const openssl = cfssljson && requireProgram(t, 'openssl', 'openssl');
  if (!cfssl || !cfssljson || !openssl) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'certops-cfssl-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  await writeFile(join(dir, 'ca-csr.json'), JSON.stringify({ CN: 'certops cfssl test CA', key: { algo: 'ecdsa', size: 256 }, names: [{ O: 'certops' }] }));
  const gencert = spawnSync(cfssl, ['gencert', '-initca', 'ca-csr.json'], { cwd: dir });
  assert.equal(gencert.status, 0, gencert.stderr.toString());
  const bare = spawnSync(cfssljson, ['-bare', 'ca'], { cwd: dir, input: gencert.stdout });
  assert.equal(bare.status, 0, bare.stderr.toString());
  await writeFile(
    join(dir, 'cfg.json'),
    JSON.stringify({
      signing: {
        default: { expiry: '24h', usages: ['digital signature'] },
        profiles: { server: { expiry: '720h', usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'] } },
      },
    }),
  );

  const port = await freePort();
  let log = '';
  const child = spawn(cfssl, ['serve', '-address', '127.0.0.1', '-port', String(port), '-ca', 'ca.pem', '-ca-key', 'ca-key.pem', '-config', 'cfg.json'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c) => (log += c));
  child.stderr!.on('data', (c) => (log += c));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
  await waitForPort(port, child, () => log);
  return { url: `http://127.0.0.1:${port}`, dir, caPem: await readFile(join(dir, 'ca.pem'), 'utf8'), openssl };
}

async function opensslVerify(cf: Cfssl, certificatePem: string): Promise<{ ok: boolean; output: string }> {
  const leaf = join(cf.dir, `leaf-${Math.random()}.pem`);
  await writeFile(leaf, readCertificateChain(certificatePem)[0]!.toString());
  const out = spawnSync(cf.openssl, ['verify', '-CAfile', join(cf.dir, 'ca.pem'), '-purpose', 'sslserver', leaf], { encoding: 'utf8' });
  return { ok: out.status === 0 && /: OK\n/.test(out.stdout), output: out.stdout + out.stderr };
}

type Behaviour = 'reset' | 'forward' | ((req: IncomingMessage, res: ServerResponse, body: string) => void);

/** A loopback proxy in front of cfssl that misbehaves as scripted, one behaviour per request. */
async function proxy(t: TestContext, target: string, script: Behaviour[]): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const behaviour = script[Math.min(n, script.length - 1)]!;
      n++;
      if (behaviour === 'reset') return req.socket.destroy();
      if (behaviour !== 'forward') return behaviour(req, res, body);
      const upstream = await fetch(`${target}${req.url}`, { method: req.method!, body, headers: { 'content-type': 'application/json' } });
      res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n };
}

test('cfssl serve as a remote CA', async (t) => {
  const cf = await startCfssl(t);
  if (!cf) return;

  await t.test('issues ECDSA and RSA certificates with the spec SANs, chained to the CA; openssl verify accepts', async () => {
    const issuer = new CfsslIssuer({ name: 'remote', url: cf.url, profile: 'server', caCertificatePem: cf.caPem });
    for (const keyType of [{ algorithm: 'ECDSA', size: 256 }, { algorithm: 'ECDSA', size: 384 }, { algorithm: 'RSA', size: 2048 }] as KeyType[]) {
      const req = await request(spec(), keyType);
      const issued = await issuer.obtain(req);
      const chain = readCertificateChain(issued.certificatePem);
      assert.equal(chain.length, 2);
      assert.equal(chain[1]!.fingerprint256, new X509Certificate(cf.caPem).fingerprint256);
      const leaf = chain[0]!;
      assert.equal(leaf.publicKey.export({ type: 'spki', format: 'pem' }).toString(), req.publicKeyPem);
      assert.equal(leaf.subjectAltName, 'DNS:api.example.com, DNS:www.api.example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7');
      // The profile decided the lifetime: 720h, not the default profile's 24h.
      const lifetime = new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime();
      assert.ok(lifetime > 29 * DAY, `lifetime ${lifetime / DAY} days: the "server" profile was not used`);
      const verified = await opensslVerify(cf, issued.certificatePem);
      assert.ok(verified.ok, `${keyType.algorithm} ${keyType.size}: ${verified.output}`);
    }
  });

  await t.test('fromRepo reads the CA certificate named in the manifest', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'certops-repo-'));
    t.after(() => rm(repo, { recursive: true, force: true }));
    await mkdir(join(repo, 'pki'));
    await writeFile(join(repo, 'pki/cfssl-ca.pem'), cf.caPem);
    const issuer = await CfsslIssuer.fromRepo({ name: 'remote', repoDir: repo, spec: { url: `${cf.url}/`, profile: 'server', caCertificate: 'pki/cfssl-ca.pem' } });
    const issued = await issuer.obtain(await request(spec({ ipAddresses: [], emailAddresses: ['pki@example.com'] })));
    assert.equal(readCertificateChain(issued.certificatePem).length, 2);
    assert.ok((await opensslVerify(cf, issued.certificatePem)).ok);
    await assert.rejects(CfsslIssuer.fromRepo({ name: 'remote', repoDir: repo, spec: { url: cf.url, caCertificate: 'pki/none.pem' } }), /issuers\.remote\.cfssl\.caCertificate: pki\/none\.pem does not exist/);
    const bare = await CfsslIssuer.fromRepo({ name: 'remote', repoDir: repo, spec: { url: cf.url, profile: 'server' } });
    assert.equal(readCertificateChain((await bare.obtain(await request(spec()))).certificatePem).length, 1, 'without caCertificate the chain is the leaf alone');
  });

  await t.test("the CA's refusal is reported with its own message and not retried", async () => {
    const counting = await proxy(t, cf.url, ['forward']);
    const issuer = new CfsslIssuer({ name: 'remote', url: counting.url, profile: 'server', retry: noWait });
    await assert.rejects(issuer.obtain(await request(spec(), { algorithm: 'Ed25519', size: 0 })), /cfssl at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/cfssl\/sign refused to sign: .*algorithm unimplemented \(cfssl code \d+\)/);
    assert.equal(counting.requests(), 1);
  });

  await t.test('a reset connection and a 503 from a proxy are retried until cfssl signs', async () => {
    const flaky = await proxy(t, cf.url, ['reset', (_q, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>busy</h1>'), 'forward']);
    const issuer = new CfsslIssuer({ name: 'remote', url: flaky.url, profile: 'server', caCertificatePem: cf.caPem, retry: noWait });
    const issued = await issuer.obtain(await request(spec()));
    assert.equal(flaky.requests(), 3);
    assert.ok((await opensslVerify(cf, issued.certificatePem)).ok);
  });

  await t.test('a 500 that is a cfssl answer is final; one that is not is retried', async () => {
    const cfsslError = JSON.stringify({ success: false, result: null, errors: [{ code: 5000, message: 'database is locked' }], messages: [] });
    const answered = await proxy(t, cf.url, [(_q, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(cfsslError)]);
    await assert.rejects(new CfsslIssuer({ name: 'remote', url: answered.url, retry: noWait }).obtain(await request(spec())), /refused to sign: database is locked \(cfssl code 5000\)/);
    assert.equal(answered.requests(), 1);

    const html = await proxy(t, cf.url, [(_q, res) => res.writeHead(500).end('<html>oops</html>')]);
    await assert.rejects(new CfsslIssuer({ name: 'remote', url: html.url, retry: { ...noWait, attempts: 3 } }).obtain(await request(spec())), /answered HTTP 500 with something that is not a cfssl response: <html>oops<\/html>/);
    assert.equal(html.requests(), 3);
  });

  await t.test('an unreachable server is reported with the cause', async () => {
    const issuer = new CfsslIssuer({ name: 'remote', url: `http://127.0.0.1:${await freePort()}`, retry: { ...noWait, attempts: 2 } });
    await assert.rejects(issuer.obtain(await request(spec())), /could not be reached: .*ECONNREFUSED/);
  });

  await t.test('a caCertificate that did not sign the leaf is refused rather than shipped as a broken chain', async () => {
    const other = await initCa({ commonName: 'Some Other CA' });
    const issuer = new CfsslIssuer({ name: 'remote', url: cf.url, profile: 'server', caCertificatePem: other.root.certificatePem });
    await assert.rejects(issuer.obtain(await request(spec())), /the configured caCertificate \(CN=Some Other CA\) did not sign the certificate cfssl returned/);
  });

  await t.test('names cfssl cannot issue (URI SANs in 1.2) fail instead of yielding a different certificate', async () => {
    const issuer = new CfsslIssuer({ name: 'remote', url: cf.url, profile: 'server' });
    await assert.rejects(issuer.obtain(await request(spec({ uris: ['spiffe://example.com/api'] }))), /names differ from the spec: missing URIs spiffe:\/\/example\.com\/api/);
  });
});
