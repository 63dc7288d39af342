import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initCa, writeCaFiles } from '../../issuers/ca/index.js';
import { loadManifest, MANIFEST_FILE } from '../../manifest/load-manifest.js';
import { CliError, nowOption, parseCommandArgs, repoOption, UsageError, type CliIo, type Command } from '../command.js';

const OPTIONS = {
  repo: { type: 'string' },
  'common-name': { type: 'string' },
  organization: { type: 'string' },
  intermediate: { type: 'boolean' },
  force: { type: 'boolean' },
  now: { type: 'string' },
} as const;

const USAGE = `Usage: certops ca init [options]

Creates the built-in CA: a root (and with --intermediate an intermediate that signs the
leaves), written to pki/ca.pem with its key age-encrypted to the recipients of
certificates.yaml as pki/ca.key.age. No key is ever written in plaintext.

Options:
  --repo DIR            repository root (default: the current directory)
  --common-name CN      the root's common name (default: "certops CA <repository name>")
  --organization O      the subject organization
  --intermediate        also create an intermediate that issues; the root key is kept encrypted
  --force               replace an existing CA
  --now ISO-8601        the CA's notBefore reference (default: the current time)
  -h, --help            show this help

Then name it in certificates.yaml:
  issuers:
    internal: { ca: { certificate: pki/ca.pem, privateKey: pki/ca.key.age } }
`;

export const command: Command = {
  usage: USAGE,
  async run(args: string[], io: CliIo): Promise<number> {
    const [sub, ...rest] = args;
    if (sub !== 'init') throw new UsageError(sub ? `unknown subcommand "ca ${sub}"; the only one is "ca init"` : 'missing subcommand: certops ca init');
    const { values } = parseCommandArgs(rest, OPTIONS);
    const now = nowOption(values.now);
    const repoDir = repoOption(values.repo, io);
    let manifestText: string;
    try {
      manifestText = readFileSync(join(repoDir, MANIFEST_FILE), 'utf8');
    } catch {
      throw new CliError(`${MANIFEST_FILE} not found in ${repoDir}: the CA key is encrypted to its recipients, so create it first (certops init).`, 2);
    }
    const { manifest, findings } = loadManifest(manifestText);
    const recipients = manifest?.recipients ?? [];
    if (!recipients.length) {
      const why = findings.length ? ` (${findings[0]!.file}:${findings[0]!.line}: ${findings[0]!.message})` : '';
      throw new CliError(`${MANIFEST_FILE} lists no recipients${why}: add recipients: [age1...] so the CA key can be encrypted.`, 2);
    }
    const ca = await initCa({
      commonName: values['common-name'] ?? `certops CA ${repoDir.split('/').pop()}`,
      ...(values.organization ? { organization: values.organization } : {}),
      ...(values.intermediate ? { intermediate: true } : {}),
      now,
    });
    try {
      const written = await writeCaFiles({ repoDir, ca, recipients, ...(values.force ? { force: true } : {}) });
      for (const f of written.files) io.stdout(`wrote ${f}\n`);
      io.stdout(`issuer block for certificates.yaml:\n  ca: { certificate: ${written.issuer.certificate}, privateKey: ${written.issuer.privateKey} }\n`);
    } catch (e) {
      throw new CliError((e as Error).message, 2);
    }
    return 0;
  },
};
