import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { generateAgeIdentity } from '../../keys/age.js';
import { MANIFEST_FILE } from '../../manifest/load-manifest.js';
import { BASELINE_POLICY } from '../../policy/baseline.js';
import { CliError, parseCommandArgs, UsageError, type CliIo, type Command } from '../command.js';

const OPTIONS = {
  repo: { type: 'string' },
  recipient: { type: 'string', multiple: true },
  'identity-out': { type: 'string' },
} as const;

const USAGE = `Usage: certops init [options]

Starts a certops repository: certificates.yaml (a commented starter), policies/baseline.yaml
(the baseline policy) and, unless recipients are given, a new age identity whose public key
becomes the recipient of every private key certops stores.

Options:
  --repo DIR            repository root (default: the current directory)
  --recipient AGE1...   an age recipient that may decrypt keys (repeat for several)
  --identity-out FILE   where to write a new identity (default: certops-identity.txt beside
                        the repository, never inside it). Store it as the CERTOPS_AGE_IDENTITY secret.
  -h, --help            show this help
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(args, OPTIONS);
    const repoDir = resolve(io.cwd, values.repo ?? '.');
    mkdirSync(repoDir, { recursive: true });
    if (existsSync(join(repoDir, MANIFEST_FILE))) throw new CliError(`${MANIFEST_FILE} already exists in ${repoDir}; certops init never overwrites it.`, 2);
    const recipients = [...(values.recipient ?? [])];
    for (const r of recipients) if (!/^age1[02-9ac-hj-np-z]{58}$/.test(r)) throw new UsageError(`--recipient ${r} is not an age X25519 recipient (age1 followed by 58 characters)`);
    if (!recipients.length) {
      const id = await generateAgeIdentity();
      const out = resolve(io.cwd, values['identity-out'] ?? join(dirname(repoDir), 'certops-identity.txt'));
      if (out.startsWith(`${repoDir}/`)) throw new UsageError(`--identity-out must be outside the repository: the identity decrypts every key`);
      if (existsSync(out)) throw new CliError(`${out} already exists; pass --identity-out or --recipient`, 2);
      writeFileSync(out, `# certops age identity; public key: ${id.recipient}\n${id.identity}\n`, { mode: 0o600 });
      recipients.push(id.recipient);
      io.stdout(`wrote a new age identity to ${out} (mode 0600): store it as the CERTOPS_AGE_IDENTITY secret, then delete it\n`);
    }
    writeFileSync(join(repoDir, MANIFEST_FILE), starterManifest(recipients));
    mkdirSync(join(repoDir, 'policies'), { recursive: true });
    if (!existsSync(join(repoDir, 'policies/baseline.yaml'))) writeFileSync(join(repoDir, 'policies/baseline.yaml'), BASELINE_POLICY);
    io.stdout(`wrote ${MANIFEST_FILE} and policies/baseline.yaml\nnext: certops ca init (a private CA), or add an acme issuer; then certops lint and certops renew\n`);
    return 0;
  },
};

function starterManifest(recipients: string[]): string {
  return `# yaml-language-server: $schema=https://certops.dev/schema/certificates.schema.json
# The certificate inventory: certops reads it and never rewrites it.
version: 1
# Who can decrypt the private keys in certs/<name>/key.pem.age: the deploy job's identity
# (the CERTOPS_AGE_IDENTITY secret) and, ideally, a break-glass key kept offline.
recipients:
${recipients.map((r) => `  - ${r}`).join('\n')}
defaults:
  issuer: internal
  duration: 90d
  renewBefore: 30d
  privateKey: { algorithm: ECDSA, size: 256, rotationPolicy: Always }
  owners: [platform]
owners:
  platform: [your-org/platform]   # GitHub users or org/team slugs
issuers:
  # certops ca init creates these files.
  internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
  # letsencrypt:
  #   acme:
  #     directory: https://acme-v02.api.letsencrypt.org/directory
  #     email: pki@example.com
  #     solvers: [ { http01: { webroot: /var/www/acme } } ]
targets:
  local: { files: { dir: "./deployed/{name}" } }
certificates:
  - name: example
    dnsNames: [example.internal]
    deploy: [local]
`;
}
