import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadManifest } from '../../src/manifest/load-manifest.js';
import { lockEntryFor } from '../../src/manifest/lock-entry.js';
import { loadLock, serializeLock, type LockEntry, type LockFile } from '../../src/manifest/lock-file.js';
import type { Manifest, TargetSpec } from '../../src/manifest/types.js';

/** A leaf issued by the test intermediate: `certificatePem` is leaf + intermediate, as certs/<name>/cert.pem holds it. */
export interface Leaf {
  certificatePem: string;
  leafPem: string;
  /** Plaintext key: in memory only; the fixture never writes it to disk. */
  keyPem: string;
}

/**
 * A root CA and an intermediate made with openssl, issuing leaves. Leaf keys are made in memory
 * and reach openssl on standard input, so the only plaintext copies of a deployed key on disk
 * are the ones a deploy writes: a test can search the disk for leftovers.
 */
export class TestPki {
  readonly rootPem: string;
  readonly intermediatePem: string;
  private serial = 0;

  constructor(
    readonly dir: string,
    private readonly openssl = 'openssl',
  ) {
    mkdirSync(dir, { recursive: true });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    this.run('req', '-x509', ...ec, '-keyout', 'root.key', '-out', 'root.pem', '-days', '30', '-subj', '/CN=certops test root',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    this.run('req', '-new', ...ec, '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=certops test intermediate');
    writeFileSync(join(dir, 'int.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    this.run('x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-set_serial', '1000', '-out', 'int.pem', '-days', '30', '-extfile', 'int.ext');
    this.rootPem = readFileSync(join(dir, 'root.pem'), 'utf8');
    this.intermediatePem = readFileSync(join(dir, 'int.pem'), 'utf8');
  }

  /** A server certificate for the names, valid from yesterday for `days`. */
  issue(dnsNames: string[], options: { days?: number; ipAddresses?: string[] } = {}): Leaf {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const id = ++this.serial;
    // openssl signs the public key directly (x509 -new -force_pubkey): no CSR, so the private key never reaches a file.
    writeFileSync(join(this.dir, `leaf${id}.pub`), publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const sans = [...dnsNames.map((n) => `DNS:${n}`), ...(options.ipAddresses ?? []).map((ip) => `IP:${ip}`)].join(',');
    writeFileSync(join(this.dir, `leaf${id}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
    const leafPem = execFileSync(this.openssl, ['x509', '-new', '-subj', `/CN=${dnsNames[0] ?? 'leaf'}`, '-force_pubkey', `leaf${id}.pub`,
      '-CA', 'int.pem', '-CAkey', 'int.key', '-set_serial', String(5000 + id), '-days', String(options.days ?? 20), '-extfile', `leaf${id}.ext`],
      { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    return { certificatePem: leafPem + this.intermediatePem, leafPem, keyPem };
  }

  private run(...args: string[]): void {
    execFileSync(this.openssl, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

export interface AgeKeys {
  identity: string;
  recipient: string;
}

/** An age identity from age-keygen (the CLI, so the deploy proves it reads what the tool writes). */
export function ageKeys(): AgeKeys {
  const identity = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const recipient = /public key: (age1\w+)/.exec(identity)![1]!;
  return { identity, recipient };
}

/** Encrypts with the age CLI, armored; the plaintext goes in on standard input. */
export function ageEncrypt(plaintext: string, recipient: string): string {
  return execFileSync('age', ['-a', '-r', recipient], { input: plaintext, encoding: 'utf8' });
}

/** A git repository in the shape certops expects, built commit by commit. */
export class FixtureRepo {

  constructor(
    readonly dir: string,
    private readonly recipient: string,
  ) {
    mkdirSync(dir, { recursive: true });
    this.git('init', '-q', '-b', 'main');
    this.git('config', 'user.email', 'test@example.com');
    this.git('config', 'user.name', 'certops test');
  }

  /** Writes certificates.yaml: certificates with dnsNames and deploy lists, the targets as given. */
  setManifest(certificates: Array<{ name: string; dnsNames: string[]; deploy: string[] }>, targets: Record<string, TargetSpec>): void {
    const lines = [
      'version: 1',
      'defaults: { issuer: internal }',
      `recipients: [${this.recipient}]`,
      'issuers:',
      '  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }',
      // JSON is YAML: the targets go in as they are.
      `targets: ${JSON.stringify(targets)}`,
      'certificates:',
      ...certificates.map((c) => `  - { name: ${c.name}, dnsNames: ${JSON.stringify(c.dnsNames)}, deploy: ${JSON.stringify(c.deploy)} }`),
      '',
    ];
    this.write('certificates.yaml', lines.join('\n'));
  }

  /** Puts a certificate and its encrypted key in certs/<name>/ and records it in the lock file. */
  setCertificate(name: string, leaf: Leaf, options: { keyPem?: string } = {}): LockEntry {
    const manifest = this.manifest();
    const spec = manifest.certificates.find((c) => c.name === name);
    if (!spec) throw new Error(`fixture: ${name} is not in the manifest`);
    this.write(`certs/${name}/cert.pem`, leaf.certificatePem);
    this.write(`certs/${name}/key.pem.age`, ageEncrypt(options.keyPem ?? leaf.keyPem, this.recipient));
    const entry = lockEntryFor({ spec, certificatePem: leaf.certificatePem, certificatePath: `certs/${name}/cert.pem`, keyPath: `certs/${name}/key.pem.age`, issuedAt: new Date() });
    const lock = this.lock();
    this.write('certificates.lock.yaml', serializeLock({ version: 1, certificates: { ...lock.certificates, [name]: entry } }));
    return entry;
  }

  /** The lock file as checked out. */
  lock(): LockFile {
    let text: string | undefined;
    try {
      text = readFileSync(join(this.dir, 'certificates.lock.yaml'), 'utf8');
    } catch {
      text = undefined;
    }
    return loadLock(text).lock;
  }

  /** certificates.yaml as checked out. */
  manifest(): Manifest {
    const load = loadManifest(readFileSync(join(this.dir, 'certificates.yaml'), 'utf8'));
    const errors = load.findings.filter((f) => f.severity === 'error');
    if (!load.manifest || errors.length) throw new Error(`fixture manifest does not load: ${errors.map((f) => f.message).join('; ')}`);
    return load.manifest;
  }

  commit(message: string): string {
    this.git('add', '-A');
    this.git('commit', '-q', '-m', message);
    return this.git('rev-parse', 'HEAD').trim();
  }

  write(path: string, content: string): void {
    const file = join(this.dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
}

/** The base64 lines of a PEM key: what a leaked copy of it would contain. */
export function keyBody(keyPem: string): string {
  return keyPem.split('\n').filter((l) => l && !l.startsWith('-----')).join('\n');
}

/**
 * Files under `roots` (recursively, not following links) that contain any of the keys, less the
 * paths under `allowed`. Unreadable entries (sockets, files of other users) are skipped.
 */
export function findKeyCopies(roots: readonly string[], keyPems: readonly string[], allowed: readonly string[]): string[] {
  const needles = keyPems.map((k) => keyPem64(k));
  const found: string[] = [];
  const visit = (path: string) => {
    if (allowed.some((a) => path === a || path.startsWith(`${a}/`))) return;
    let info;
    try {
      info = lstatSync(path);
    } catch {
      return;
    }
    if (info.isDirectory()) {
      let entries: string[] = [];
      try {
        entries = readdirSync(path);
      } catch {
        return;
      }
      for (const e of entries) visit(join(path, e));
    } else if (info.isFile() && info.size < 1024 * 1024) {
      try {
        const text = readFileSync(path, 'latin1').replace(/\s+/g, '');
        if (needles.some((n) => text.includes(n))) found.push(path);
      } catch {
        // Not ours to read.
      }
    }
  };
  for (const root of roots) visit(root);
  return found;
}

function keyPem64(keyPem: string): string {
  return keyBody(keyPem).replace(/\s+/g, '');
}
