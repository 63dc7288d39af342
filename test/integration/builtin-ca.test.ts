import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BuiltInCaIssuer, initCa, issuingCa, writeCaFiles, type CaBundle } from '../../src/issuers/ca/index.js';
import type { IssueRequest } from '../../src/issuers/types.js';
import { decryptPrivateKey, generateAgeIdentity } from '../../src/keys/age.js';
import type { CertificateSpec, Usage } from '../../src/manifest/types.js';
import { readCertificateChain } from '../../src/pki/certificate-info.js';
import { createCsr } from '../../src/pki/csr.js';
import { PRIVATE_KEY_PEM } from '../../src/pki/pem.js';
import { generatePrivateKey, privateKeyToPem, publicKeyToPem, type KeyType } from '../../src/pki/private-key.js';
import { requireProgram } from '../helpers/system.js';

/** The held clock: far from the real one, so only a date derived from `now` can pass. */
const NOW = new Date('2031-03-14T15:09:26.535Z');
const DAY = 24 * 60 * 60 * 1000;

function spec(overrides: Partial<CertificateSpec> = {}): CertificateSpec {
  return {
    name: 'api',
    index: 0,
    commonName: 'api.example.com',
    dnsNames: ['api.example.com', 'www.api.example.com'],
    ipAddresses: ['192.0.2.7', '2001:db8::7'],
    uris: ['spiffe://example.com/api'],
    emailAddresses: ['pki@example.com'],
    duration: '90d',
    durationMs: 90 * DAY,
    privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'],
    issuer: 'internal',
    owners: [],
    deploy: [],
    labels: {},
    ...overrides,
  };
}

async function request(s: CertificateSpec, keyType: KeyType = s.privateKey, now = NOW): Promise<IssueRequest> {
  const key = await generatePrivateKey(keyType);
  return { spec: s, csrPem: await createCsr(s, key), publicKeyPem: publicKeyToPem(key), now };
}

function issuerFor(ca: CaBundle): BuiltInCaIssuer {
  const issuing = issuingCa(ca);
  return new BuiltInCaIssuer({ name: 'internal', certificatePem: issuing.certificatePem, privateKeyPem: issuing.privateKeyPem });
}

interface Tools {
  openssl: string;
  dir: string;
}

async function tools(t: TestContext): Promise<Tools | undefined> {
  const openssl = requireProgram(t, 'openssl', 'openssl');
  if (!openssl) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'certops-ca-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { openssl, dir };
}

/** Certificates only (public): written to the test's temp dir for openssl. */
async function file(tools: Tools, name: string, pem: string): Promise<string> {
  const path = join(tools.dir, name);
  await writeFile(path, pem);
  return path;
}

function openssl(tools: Tools, args: string[]) {
  return spawnSync(tools.openssl, args, { encoding: 'utf8' });
}

/** `openssl verify` at the held time; returns its combined output and whether it said OK. */
async function verify(tools: Tools, root: string, issued: string, at: Date = NOW, purpose = 'sslserver'): Promise<{ ok: boolean; output: string }> {
  const rootFile = await file(tools, `root-${Math.random()}.pem`, root);
  const chain = readCertificateChain(issued);
  const leafFile = await file(tools, `leaf-${Math.random()}.pem`, `${chain[0]!.toString()}`);
  const args = ['verify', '-CAfile', rootFile, '-attime', String(Math.floor(at.getTime() / 1000)), '-purpose', purpose];
  if (chain.length > 1) args.push('-untrusted', await file(tools, `chain-${Math.random()}.pem`, chain.slice(1).map((c) => c.toString()).join('')));
  const out = openssl(tools, [...args, leafFile]);
  return { ok: out.status === 0 && /: OK\n/.test(out.stdout), output: out.stdout + out.stderr };
}

async function text(tools: Tools, pem: string): Promise<string> {
  const out = openssl(tools, ['x509', '-noout', '-text', '-in', await file(tools, `text-${Math.random()}.pem`, pem)]);
  assert.equal(out.status, 0, out.stderr);
  return out.stdout;
}

function extension(textOut: string, name: string): { critical: boolean; value: string } | undefined {
  const m = new RegExp(`X509v3 ${name}: ?(critical)?\\n\\s*(.*)\\n`).exec(textOut);
  return m ? { critical: m[1] === 'critical', value: m[2]!.trim() } : undefined;
}

const LEAF_KEYS: KeyType[] = [
  { algorithm: 'ECDSA', size: 256 },
  { algorithm: 'ECDSA', size: 384 },
  { algorithm: 'RSA', size: 2048 },
  { algorithm: 'Ed25519', size: 0 },
];

test('a root CA: CA:TRUE pathlen 0 (critical), keyCertSign + cRLSign (critical), SKI; leaves of every key type verify', async (t) => {
  const tl = await tools(t);
  if (!tl) return;
  const ca = await initCa({ commonName: 'certops Test Root', organization: 'certops', now: NOW });
  assert.equal(ca.intermediate, undefined);
  const rootText = await text(tl, ca.root.certificatePem);
  assert.deepEqual(extension(rootText, 'Basic Constraints'), { critical: true, value: 'CA:TRUE, pathlen:0' });
  assert.deepEqual(extension(rootText, 'Key Usage'), { critical: true, value: 'Certificate Sign, CRL Sign' });
  assert.ok(extension(rootText, 'Subject Key Identifier'));
  assert.match(rootText, /Subject: O ?= ?certops, CN ?= ?certops Test Root\n/);
  assert.match(rootText, /ASN1 OID: secp384r1/, 'the default CA key is P-384');

  const issuer = issuerFor(ca);
  for (const keyType of LEAF_KEYS) {
    const label = `${keyType.algorithm} ${keyType.size}`;
    const issued = await issuer.obtain(await request(spec(), keyType));
    assert.equal(readCertificateChain(issued.certificatePem).length, 1, 'a root-issued chain is the leaf alone');
    const result = await verify(tl, ca.root.certificatePem, issued.certificatePem);
    assert.ok(result.ok, `${label}: ${result.output}`);

    const leafText = await text(tl, issued.certificatePem);
    assert.deepEqual(extension(leafText, 'Basic Constraints'), { critical: true, value: 'CA:FALSE' }, label);
    const ku = keyType.algorithm === 'RSA' ? 'Digital Signature, Key Encipherment' : 'Digital Signature';
    assert.deepEqual(extension(leafText, 'Key Usage'), { critical: true, value: ku }, label);
    assert.deepEqual(extension(leafText, 'Extended Key Usage'), { critical: false, value: 'TLS Web Server Authentication, TLS Web Client Authentication' }, label);
    assert.deepEqual(
      extension(leafText, 'Subject Alternative Name'),
      {
        critical: false,
        value: 'DNS:api.example.com, DNS:www.api.example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:7, URI:spiffe://example.com/api, email:pki@example.com',
      },
      label,
    );
    assert.match(leafText, /Subject: CN ?= ?api\.example\.com\n/, label);
    assert.equal(extension(leafText, 'Authority Key Identifier')?.value.replace(/^keyid:/, ''), extension(rootText, 'Subject Key Identifier')?.value, `${label}: AKI names the CA's SKI`);
    assert.ok(extension(leafText, 'Subject Key Identifier'), label);
  }
});

test('verification fails for the wrong root and after expiry (the checks above can fail)', async (t) => {
  const tl = await tools(t);
  if (!tl) return;
  const ca = await initCa({ commonName: 'Root A', now: NOW });
  const other = await initCa({ commonName: 'Root A', now: NOW });
  const issued = await issuerFor(ca).obtain(await request(spec({ durationMs: 10 * DAY })));
  assert.ok((await verify(tl, ca.root.certificatePem, issued.certificatePem)).ok);
  const wrongRoot = await verify(tl, other.root.certificatePem, issued.certificatePem);
  assert.ok(!wrongRoot.ok);
  const late = await verify(tl, ca.root.certificatePem, issued.certificatePem, new Date(NOW.getTime() + 11 * DAY));
  assert.ok(!late.ok);
  assert.match(late.output, /expired/);
  const early = await verify(tl, ca.root.certificatePem, issued.certificatePem, new Date(NOW.getTime() - 10 * 60 * 1000));
  assert.match(early.output, /not yet valid/);
});

test('with an intermediate: root pathlen 1, intermediate pathlen 0 with AKI; chain = leaf + intermediate; openssl verify accepts', async (t) => {
  const tl = await tools(t);
  if (!tl) return;
  const ca = await initCa({
    commonName: 'certops Test Root',
    key: { algorithm: 'Ed25519', size: 0 },
    intermediate: { commonName: 'certops Issuing CA', key: { algorithm: 'RSA', size: 2048 }, validityMs: 365 * DAY },
    now: NOW,
  });
  assert.ok(ca.intermediate);
  const rootText = await text(tl, ca.root.certificatePem);
  const intText = await text(tl, ca.intermediate.certificatePem);
  assert.deepEqual(extension(rootText, 'Basic Constraints'), { critical: true, value: 'CA:TRUE, pathlen:1' });
  assert.deepEqual(extension(intText, 'Basic Constraints'), { critical: true, value: 'CA:TRUE, pathlen:0' });
  assert.deepEqual(extension(intText, 'Key Usage'), { critical: true, value: 'Certificate Sign, CRL Sign' });
  assert.equal(extension(intText, 'Authority Key Identifier')?.value.replace(/^keyid:/, ''), extension(rootText, 'Subject Key Identifier')?.value);
  assert.match(intText, /Issuer: CN ?= ?certops Test Root\n/);
  assert.equal(new Date(new X509Certificate(ca.intermediate.certificatePem).validTo).getTime(), Math.floor((NOW.getTime() + 365 * DAY) / 1000) * 1000);

  const issuer = issuerFor(ca);
  for (const keyType of LEAF_KEYS) {
    const issued = await issuer.obtain(await request(spec(), keyType));
    const chain = readCertificateChain(issued.certificatePem);
    assert.equal(chain.length, 2);
    assert.equal(chain[1]!.toString(), new X509Certificate(ca.intermediate.certificatePem).toString());
    const result = await verify(tl, ca.root.certificatePem, issued.certificatePem);
    assert.ok(result.ok, `${keyType.algorithm}: ${result.output}`);
    const leafText = await text(tl, issued.certificatePem);
    assert.equal(extension(leafText, 'Authority Key Identifier')?.value.replace(/^keyid:/, ''), extension(intText, 'Subject Key Identifier')?.value);
    assert.match(leafText, /Signature Algorithm: sha256WithRSAEncryption/);
  }
  // Without the intermediate in the chain, the root alone cannot vouch for the leaf.
  const issued = await issuer.obtain(await request(spec()));
  const leafOnly = readCertificateChain(issued.certificatePem)[0]!.toString();
  assert.ok(!(await verify(tl, ca.root.certificatePem, leafOnly)).ok);
});

test('serials: random, positive, 16 bytes (126 random bits), distinct', async () => {
  const ca = await initCa({ commonName: 'Serial Root', now: NOW });
  const issuer = issuerFor(ca);
  const req = await request(spec());
  const serials = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const leaf = readCertificateChain((await issuer.obtain(req)).certificatePem)[0]!;
    const serial = leaf.serialNumber.toLowerCase();
    assert.equal(serial.length, 32, `serial ${serial} is not 16 bytes`);
    const first = parseInt(serial.slice(0, 2), 16);
    assert.ok(first >= 0x40 && first < 0x80, `first byte ${first.toString(16)} must keep the INTEGER positive and minimal`);
    assert.ok(BigInt(`0x${serial}`) >= 2n ** 64n, 'at least 64 bits');
    serials.add(serial);
  }
  assert.equal(serials.size, 20);
  // And the DER INTEGER itself is 16 bytes with no 0x00 pad (openssl prints it as-is).
  const root = new X509Certificate(ca.root.certificatePem);
  assert.equal(root.serialNumber.length, 32);
});

test('dates follow the held clock: notBefore backdated 5 minutes, notAfter = now + duration, capped at the CA', async () => {
  const ca = await initCa({ commonName: 'Clock Root', validityMs: 30 * DAY, now: NOW });
  const issuer = issuerFor(ca);
  const leaf = readCertificateChain((await issuer.obtain(await request(spec({ durationMs: 7 * DAY })))).certificatePem)[0]!;
  const wholeSecond = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).getTime();
  assert.equal(new Date(leaf.validFrom).getTime(), wholeSecond(NOW.getTime() - 5 * 60 * 1000));
  assert.equal(new Date(leaf.validTo).getTime(), wholeSecond(NOW.getTime() + 7 * DAY));

  const later = new Date(NOW.getTime() + 3 * DAY);
  const shifted = readCertificateChain((await issuer.obtain(await request(spec({ durationMs: 7 * DAY }), undefined, later))).certificatePem)[0]!;
  assert.equal(new Date(shifted.validFrom).getTime(), wholeSecond(later.getTime() - 5 * 60 * 1000));

  const long = readCertificateChain((await issuer.obtain(await request(spec({ durationMs: 90 * DAY })))).certificatePem)[0]!;
  assert.equal(long.validTo, new X509Certificate(ca.root.certificatePem).validTo, 'a leaf never outlives its CA');

  await assert.rejects(issuer.obtain(await request(spec(), undefined, new Date(NOW.getTime() + 31 * DAY))), /CA certificate .* expired on/);
  await assert.rejects(issuer.obtain(await request(spec(), undefined, new Date(NOW.getTime() - DAY))), /is not valid until/);

  const precise = new BuiltInCaIssuer({ name: 'internal', certificatePem: ca.root.certificatePem, privateKeyPem: ca.root.privateKeyPem, backdateMs: 60_000 });
  const oneMinute = readCertificateChain((await precise.obtain(await request(spec()))).certificatePem)[0]!;
  assert.equal(new Date(oneMinute.validFrom).getTime(), wholeSecond(NOW.getTime() - 60_000));
});

test('usages, CSR-only requests, and a subject with no CN', async (t) => {
  const tl = await tools(t);
  if (!tl) return;
  const ca = await initCa({ commonName: 'Usage Root', now: NOW });
  const issuer = issuerFor(ca);

  const clientOnly = spec({ usages: ['digital signature', 'client auth'] as Usage[] });
  const client = await issuer.obtain(await request(clientOnly));
  assert.deepEqual(extension(await text(tl, client.certificatePem), 'Extended Key Usage'), { critical: false, value: 'TLS Web Client Authentication' });
  assert.ok((await verify(tl, ca.root.certificatePem, client.certificatePem, NOW, 'sslclient')).ok);
  assert.ok(!(await verify(tl, ca.root.certificatePem, client.certificatePem, NOW, 'sslserver')).ok, 'a client-only certificate must not pass as a server one');

  // The public key may come from the CSR alone; its self-signature is checked.
  const csrOnly = await request(spec());
  const fromCsr = await issuer.obtain({ ...csrOnly, publicKeyPem: '' });
  assert.ok(new X509Certificate(readCertificateChain(fromCsr.certificatePem)[0]!.raw).publicKey.export({ type: 'spki', format: 'pem' }).toString() === csrOnly.publicKeyPem);

  const ipOnly = spec({ commonName: undefined, dnsNames: [], uris: [], emailAddresses: [], ipAddresses: ['192.0.2.9'] });
  const ip = await issuer.obtain(await request(ipOnly));
  const ipText = await text(tl, ip.certificatePem);
  assert.deepEqual(extension(ipText, 'Subject Alternative Name'), { critical: true, value: 'IP Address:192.0.2.9' });
  assert.match(ipText, /Subject: ?\n/);
  assert.ok((await verify(tl, ca.root.certificatePem, ip.certificatePem)).ok);

  const noCn = await issuer.obtain(await request(spec({ commonName: undefined })));
  assert.match(await text(tl, noCn.certificatePem), /Subject: CN ?= ?api\.example\.com\n/, 'the first DNS name stands in for a missing commonName');
});

test('ca init writes pki/ca.pem and age-encrypted keys only, refuses to overwrite, and the issuer loads from the repo', async (t) => {
  const tl = await tools(t);
  if (!tl) return;
  const repo = await mkdtemp(join(tmpdir(), 'certops-repo-'));
  t.after(() => rm(repo, { recursive: true, force: true }));
  const deploy = await generateAgeIdentity();
  const human = await generateAgeIdentity();
  const ca = await initCa({ commonName: 'Repo Root', intermediate: true, now: NOW });
  const written = await writeCaFiles({ repoDir: repo, ca, recipients: [deploy.recipient, human.recipient] });
  assert.deepEqual(written.issuer, { certificate: 'pki/ca.pem', privateKey: 'pki/ca.key.age' });
  assert.equal(written.rootCertificate, 'pki/root.pem');
  assert.deepEqual((await readdir(join(repo, 'pki'))).sort(), ['ca.key.age', 'ca.pem', 'root.key.age', 'root.pem']);

  for (const name of await readdir(join(repo, 'pki'))) {
    const content = await readFile(join(repo, 'pki', name), 'utf8');
    assert.doesNotMatch(content, PRIVATE_KEY_PEM, `${name} holds a plaintext key`);
  }
  assert.equal(await readFile(join(repo, 'pki/ca.pem'), 'utf8'), ca.intermediate!.certificatePem);
  assert.equal(await decryptPrivateKey(await readFile(join(repo, 'pki/ca.key.age')), human.identity), ca.intermediate!.privateKeyPem);
  assert.equal(await decryptPrivateKey(await readFile(join(repo, 'pki/root.key.age')), deploy.identity), ca.root.privateKeyPem);

  const again = await initCa({ commonName: 'Another Root', now: NOW });
  await assert.rejects(writeCaFiles({ repoDir: repo, ca: again, recipients: [deploy.recipient] }), /a CA already exists \(pki\/ca\.pem, pki\/ca\.key\.age\).*--force/);
  assert.equal(await readFile(join(repo, 'pki/ca.pem'), 'utf8'), ca.intermediate!.certificatePem, 'a refused init changes nothing');
  await assert.rejects(writeCaFiles({ repoDir: repo, ca: again, recipients: [] }), /no age recipients/);

  const caSpec = { certificate: 'pki/ca.pem', privateKey: 'pki/ca.key.age' };
  const issuer = await BuiltInCaIssuer.fromRepo({ name: 'internal', repoDir: repo, spec: caSpec, identity: `# deploy\n${deploy.identity}\n` });
  const issued = await issuer.obtain(await request(spec()));
  assert.ok((await verify(tl, await readFile(join(repo, 'pki/root.pem'), 'utf8'), issued.certificatePem)).ok);

  const stranger = await generateAgeIdentity();
  await assert.rejects(BuiltInCaIssuer.fromRepo({ name: 'internal', repoDir: repo, spec: caSpec, identity: stranger.identity }), (err: Error) => {
    assert.match(err.message, /^issuers\.internal\.ca\.privateKey: pki\/ca\.key\.age: it is encrypted to other recipients/);
    assert.ok(err.message.includes(stranger.recipient));
    return true;
  });
  await assert.rejects(BuiltInCaIssuer.fromRepo({ name: 'internal', repoDir: repo, spec: { ...caSpec, privateKey: 'pki/missing.age' }, identity: deploy.identity }), /issuers\.internal\.ca\.privateKey: pki\/missing\.age does not exist/);
  await assert.rejects(BuiltInCaIssuer.fromRepo({ name: 'internal', repoDir: repo, spec: { ...caSpec, certificate: '../outside.pem' }, identity: deploy.identity }), /is outside the repository/);
  await writeFile(join(repo, 'pki/plain.key'), ca.intermediate!.privateKeyPem);
  await assert.rejects(BuiltInCaIssuer.fromRepo({ name: 'internal', repoDir: repo, spec: { ...caSpec, privateKey: 'pki/plain.key' }, identity: deploy.identity }), /is not age-encrypted; a CA key must never sit in the repository in plaintext/);
  await assert.rejects(BuiltInCaIssuer.fromRepo({ name: 'internal', repoDir: repo, spec: { ...caSpec, privateKey: 'pki/root.key.age' }, identity: deploy.identity }), /the CA private key does not belong to the CA certificate/);

  const replaced = await writeCaFiles({ repoDir: repo, ca: again, recipients: [deploy.recipient], force: true });
  assert.deepEqual(replaced.files, ['pki/ca.pem', 'pki/ca.key.age']);
  assert.equal(await readFile(join(repo, 'pki/ca.pem'), 'utf8'), again.root.certificatePem);
  assert.deepEqual((await readdir(join(repo, 'pki'))).filter((n) => n.endsWith('.tmp')), [], 'no temp files left behind');
});

test('a leaf certificate or a non-CA cannot be used as the CA', async () => {
  const ca = await initCa({ commonName: 'Root', now: NOW });
  const leafPem = (await issuerFor(ca).obtain(await request(spec()))).certificatePem;
  const notCa = new BuiltInCaIssuer({ name: 'internal', certificatePem: leafPem, privateKeyPem: ca.root.privateKeyPem });
  await assert.rejects(notCa.obtain(await request(spec())), /is not a CA: it lacks basicConstraints CA:TRUE/);
  const key = await generatePrivateKey({ algorithm: 'ECDSA', size: 256 });
  const mismatched = new BuiltInCaIssuer({ name: 'internal', certificatePem: ca.root.certificatePem, privateKeyPem: privateKeyToPem(key) });
  await assert.rejects(mismatched.obtain(await request(spec())), /does not belong to the CA certificate/);
});
