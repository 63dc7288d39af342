import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCertificate, readCertificateChain } from '../pki/certificate-info.js';
import { StepError, type Delivery, type Restored } from './delivery.js';
import { SECRET_ROLES, type DeployMaterial, type FileRole } from './material.js';
import { childEnvironment, describeFailure, runCommand } from '../process/run-command.js';

/** The facts a command (or a reload) is told about the certificate, in CERTOPS_* variables. */
export interface CertificateFacts {
  name: string;
  serial: string;
  sha256: string;
  notAfter: string;
}

export function factsOf(material: DeployMaterial): CertificateFacts {
  return { name: material.name, serial: material.serial, sha256: material.sha256, notAfter: material.notAfter.toISOString() };
}

/** The facts of a certificate known only by its PEM: the previous one a rollback restored. */
export function factsOfPem(name: string, certificatePem: string): CertificateFacts {
  const leaf = describeCertificate(readCertificateChain(certificatePem)[0]!);
  return { name, serial: leaf.serial, sha256: leaf.sha256, notAfter: leaf.notAfter.toISOString() };
}

/**
 * The variables a command and a reload receive. Values come from the certificate and from paths
 * certops chose; they are passed as environment, never spliced into the command line, so no
 * value can change what runs.
 */
export function certopsVariables(facts: CertificateFacts, paths: Partial<Record<FileRole, string>>, target: string, action: 'deploy' | 'rollback'): Record<string, string> {
  const vars: Record<string, string> = {
    CERTOPS_NAME: facts.name,
    CERTOPS_TARGET: target,
    CERTOPS_ACTION: action,
    CERTOPS_SERIAL: facts.serial,
    CERTOPS_FINGERPRINT: facts.sha256,
    CERTOPS_NOT_AFTER: facts.notAfter,
  };
  const names: Record<FileRole, string> = { cert: 'CERT', chain: 'CHAIN', fullchain: 'FULLCHAIN', key: 'KEY', combined: 'COMBINED' };
  for (const [role, path] of Object.entries(paths) as [FileRole, string][]) vars[`CERTOPS_${names[role]}_PATH`] = path;
  return vars;
}

export interface CommandDeliveryOptions {
  certificate: string;
  target: string;
  argv: readonly string[];
  timeoutMs: number;
  /** A private directory (0700) for the files a command reads when the target writes none of its own. */
  workDir: string;
  /** The environment the command starts from. */
  env: NodeJS.ProcessEnv;
  /** Kept out of the command's environment and of messages (identities). */
  secrets: readonly string[];
  /** The target's files, when it has a `files` part: the command reads those instead of temporary copies. */
  filePaths?: () => Partial<Record<FileRole, string>>;
  /** The certificate that was deployed before (from git at `since`), for a rollback without files. */
  previous?: () => Promise<DeployMaterial | undefined>;
}

/**
 * The `command` delivery: runs the user's argv with the certificate's paths and facts in
 * CERTOPS_* variables. Without a `files` part, the files are written 0600 into a private
 * temporary folder and removed when the target closes. A rollback runs the command again with the
 * previous certificate, which is the only undo a command has.
 */
export class CommandDelivery implements Delivery {
  readonly kind = 'command';
  readonly description: string;
  #changed = false;
  #temporary: string[] = [];

  constructor(private readonly options: CommandDeliveryOptions) {
    this.description = `command ${JSON.stringify(options.argv)}`;
  }

  get changed(): boolean {
    return this.#changed;
  }

  async inPlace(): Promise<undefined> {
    return undefined;
  }

  async put(material: DeployMaterial): Promise<{ changed: boolean; detail: string }> {
    const paths = this.options.filePaths?.() ?? (await this.writeTemporary(material));
    // Whatever the command did before failing is unknown, so a failed run still asks for the undo.
    this.#changed = true;
    await this.run(factsOf(material), paths, 'deploy', material.secretTexts());
    return { changed: true, detail: `${this.description} succeeded` };
  }

  async restore(before: Restored | undefined): Promise<{ detail: string }> {
    if (!this.#changed) return { detail: 'nothing to undo: the command did not run' };
    if (this.options.filePaths && before) {
      if (!before.certificatePem) throw new StepError(`the command cannot be undone: there was no previous certificate to give it`);
      await this.run(factsOfPem(this.options.certificate, before.certificatePem), this.options.filePaths(), 'rollback', []);
    } else {
      const previous = await this.options.previous?.();
      if (!previous) throw new StepError('the command cannot be undone: certops knows no previous certificate for it (a first deploy, or a run without since)');
      await this.run(factsOf(previous), await this.writeTemporary(previous), 'rollback', previous.secretTexts());
    }
    this.#changed = false;
    return { detail: `ran ${this.description} again with the previous certificate` };
  }

  async close(): Promise<void> {
    await Promise.all(this.#temporary.map((dir) => rm(dir, { recursive: true, force: true })));
    this.#temporary = [];
  }

  private async run(facts: CertificateFacts, paths: Partial<Record<FileRole, string>>, action: 'deploy' | 'rollback', keyTexts: readonly string[]): Promise<void> {
    const env = childEnvironment(this.options.env, this.options.secrets, certopsVariables(facts, paths, this.options.target, action));
    const result = await runCommand(this.options.argv, { env, timeoutMs: this.options.timeoutMs, secrets: [...this.options.secrets, ...keyTexts] });
    if (result.exitCode !== 0) throw new StepError(describeFailure(`command ${JSON.stringify(this.options.argv)}`, result, this.options.timeoutMs));
  }

  private async writeTemporary(material: DeployMaterial): Promise<Partial<Record<FileRole, string>>> {
    const dir = await mkdtemp(join(this.options.workDir, 'command-'));
    this.#temporary.push(dir);
    const paths: Partial<Record<FileRole, string>> = {};
    for (const role of ['cert', 'chain', 'fullchain', 'key'] as const) {
      const path = join(dir, `${role}.pem`);
      await writeFile(path, material.content(role), { mode: SECRET_ROLES.has(role) ? 0o600 : 0o644, flag: 'wx' });
      paths[role] = path;
    }
    return paths;
  }
}
