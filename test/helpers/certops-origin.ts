// A bare git origin holding a certops repository with the built-in CA: what the action tests
// clone, as a runner's checkout would.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCa, writeCaFiles } from '../../src/issuers/ca/index.js';
import { generateAgeIdentity } from '../../src/keys/age.js';
import { renew } from '../../src/renewal/renew.js';

export interface CertopsOrigin {
  root: string;
  /** The bare repository. */
  origin: string;
  /** The clone the history was written in. */
  seed: string;
  /** The age identity the keys are encrypted to. */
  identity: string;
  /** The commit with the inventory, before anything was issued (a push's `before`). */
  inventorySha: string;
  /** A fresh clone of the origin, as actions/checkout makes one. */
  checkout(name: string): string;
  git(cwd: string, ...args: string[]): string;
  remove(): void;
}

export interface CertopsOriginOptions {
  /** certificates.yaml, given the age recipient to list under `recipients` and the scratch root (for target folders). */
  manifest(recipient: string, root: string): string;
  /** When set, the inventory's certificates are issued at this instant and committed (a merged renewal). */
  issuedAt?: Date;
  prefix?: string;
}

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();

export async function createCertopsOrigin(options: CertopsOriginOptions): Promise<CertopsOrigin> {
  const root = mkdtempSync(join(tmpdir(), options.prefix ?? 'certops-origin-'));
  const origin = join(root, 'origin.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', origin);
  const seed = join(root, 'seed');
  git(root, 'clone', '-q', origin, seed);
  const id = await generateAgeIdentity();
  writeFileSync(join(seed, 'certificates.yaml'), options.manifest(id.recipient, root));
  await writeCaFiles({ repoDir: seed, ca: await initCa({ commonName: 'certops test CA', now: new Date('2026-01-01T00:00:00Z') }), recipients: [id.recipient] });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-qm', 'inventory');
  const inventorySha = git(seed, 'rev-parse', 'HEAD');
  if (options.issuedAt) {
    await renew({ repoDir: seed, now: options.issuedAt, identity: id.identity });
    git(seed, 'add', '-A');
    git(seed, 'commit', '-qm', 'certops: renew');
  }
  git(seed, 'push', '-q', 'origin', 'main');
  return {
    root,
    origin,
    seed,
    identity: id.identity,
    inventorySha,
    checkout(name) {
      const dir = join(root, name);
      git(root, 'clone', '-q', `file://${origin}`, dir);
      return dir;
    },
    git,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
