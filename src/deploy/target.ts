import { parseDuration } from '../manifest/duration.js';
import type { TargetSpec } from '../manifest/types.js';
import { CommandDelivery, certopsVariables, factsOf, type CertificateFacts } from './command-delivery.js';
import { shellJoin, splitCommandLine } from './command-line.js';
import { errorText, StepError, type Delivery, type PutResult, type Restored } from './delivery.js';
import { FilesDelivery } from './files-delivery.js';
import { fileLayout, layoutPaths } from './layout.js';
import type { DeployMaterial, FileRole } from './material.js';
import { canChown, resolveOwner, type Owner } from './owner.js';
import { childEnvironment, describeFailure, runCommand } from '../process/run-command.js';
import { SshConnection } from './ssh-connection.js';
import { SshDelivery } from './ssh-delivery.js';
import { verifyServed, type Expectation, type VerifyReport } from './verify.js';

export const DEFAULT_VERIFY_TIMEOUT_MS = 30_000;
export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
export const DEFAULT_RELOAD_TIMEOUT_MS = 60_000;
export const DEFAULT_SSH_TIMEOUT_MS = 60_000;

/**
 * A place a certificate is deployed to, built from one entry under `targets:` for one
 * certificate. It puts files or runs a command (its deliveries), reloads, verifies what is
 * served, and can put back what it replaced. deployToTarget drives it.
 */
export interface Target {
  readonly name: string;
  /** One line for logs: `files in /etc/nginx/certs + reload "nginx -s reload" + verify 127.0.0.1:443`. */
  readonly description: string;
  readonly reloads: boolean;
  readonly verifies: boolean;
  /** True when every delivery holds exactly this material; false when one does not; undefined when one cannot tell. */
  inPlace(material: DeployMaterial): Promise<boolean | undefined>;
  /** Puts the material in place through every delivery; keeps what it replaces. Throws StepError. */
  deploy(material: DeployMaterial): Promise<PutResult>;
  /** Runs the reload (on the ssh host when the target has one). Throws StepError. */
  /** `facts` describes the certificate now in place when it is not `material` (after a rollback). */
  reload(material: DeployMaterial, action: 'deploy' | 'rollback', facts?: CertificateFacts): Promise<string>;
  /** TLS handshakes with the verify addresses (SNI `serverName`); `once` makes a single attempt per address. */
  verify(expect: Expectation, options: TargetVerifyOptions): Promise<VerifyReport>;
  /** Undoes deploy(): restores the replaced files (or reruns the command with the previous certificate). */
  rollback(): Promise<{ changed: boolean; detail: string; restored?: Restored }>;
  /** Removes temporary files. Always call it, in a finally. */
  close(): Promise<void>;
}

export interface TargetVerifyOptions {
  serverName: string | undefined;
  once?: boolean;
  /** The certificate the server may still serve instead, to name it in messages. */
  other?: Expectation;
}

export interface TargetContext {
  /** The certificate this target instance deploys (for `{name}` and the previous set's folder). */
  certificate: string;
  /** A private folder (0700) for temporary files; the caller removes it. */
  workDir: string;
  /** The environment for commands, reloads and ssh (default: the process's). */
  env: NodeJS.ProcessEnv;
  /** Resolves a secret's name (knownHosts, identitySecret) to its value. */
  secret: (name: string) => string | undefined;
  /** Values that must reach no command's environment and no message (the age identity). */
  secrets: readonly string[];
  /** The certificate deployed before, for undoing a command; loaded only when needed. */
  previous?: () => Promise<DeployMaterial | undefined>;
  /** The ssh program (tests point it elsewhere); `ssh` from PATH by default. */
  sshProgram?: string;
}

/** A target entry that cannot work as written; the message names the field. */
export class TargetConfigError extends Error {
  constructor(target: string, message: string) {
    super(`targets.${target}: ${message}`);
    this.name = 'TargetConfigError';
  }
}

/**
 * Builds the target named `name` for one certificate. Everything that can be checked without
 * touching the target is checked here (paths, modes, owner, the reload line, the pinned host
 * key), so a bad entry fails before any file changes.
 */
export async function createTarget(name: string, spec: TargetSpec, context: TargetContext): Promise<Target> {
  const fail = (message: string): never => {
    throw new TargetConfigError(name, message);
  };
  if (!spec.files && !spec.ssh && !spec.command) fail('has none of files, ssh, command: say where the certificate goes');
  const duration = (text: string | undefined, field: string, fallback: number) => {
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    return ms === undefined || ms === 0 ? fail(`${field} "${text}" is not a duration such as 30s or 2m`) : ms;
  };
  const reloadArgv = spec.reload === undefined ? undefined : guard(() => splitCommandLine(spec.reload!), fail);
  const verifyAddresses = [...(spec.verify?.address ? [spec.verify.address] : []), ...(spec.verify?.addresses ?? [])];
  if (spec.verify && verifyAddresses.length === 0) fail('verify names no address: set verify.address (host:port)');
  const verifyTimeoutMs = duration(spec.verify?.timeout, 'verify.timeout', DEFAULT_VERIFY_TIMEOUT_MS);

  const deliveries: Delivery[] = [];
  // Grows by the ssh identity: no command or reload of this target may see it either.
  const secrets = [...context.secrets];
  try {
    let files: FilesDelivery | undefined;
    if (spec.files) {
      const layout = guard(() => fileLayout(spec.files!, context.certificate, 'files'), fail);
      let owner: Owner | undefined;
      let ownerNote: string | undefined;
      if (spec.files.owner !== undefined) {
        if (canChown()) owner = await guardAsync(() => resolveOwner(spec.files!.owner!), fail);
        else ownerNote = `owner ${spec.files.owner} not applied: certops is not running as root`;
      }
      files = new FilesDelivery(layout, context.certificate, owner, ownerNote);
      deliveries.push(files);
    }
    let ssh: SshDelivery | undefined;
    if (spec.ssh) {
      const s = spec.ssh;
      if (!s.knownHosts) fail('ssh.knownHosts is not set: pin the host key (the output of `ssh-keyscan -p PORT HOST`, checked out of band, or the name of a secret holding it); certops never trusts a host key on first use');
      const knownHosts = secretOrLiteral(s.knownHosts!, context, 'ssh.knownHosts', fail);
      let identity: string | undefined;
      if (s.identitySecret !== undefined) {
        identity = context.secret(s.identitySecret) ?? fail(`ssh.identitySecret names "${s.identitySecret}", but no such secret (environment variable) is set`);
        secrets.push(identity);
      }
      const layout = guard(() => fileLayout({ dir: s.dir }, context.certificate, 'ssh'), fail);
      const connection = await guardAsync(
        () =>
          SshConnection.open({
            host: s.host,
            ...(s.port !== undefined ? { port: s.port } : {}),
            ...(s.user !== undefined ? { user: s.user } : {}),
            knownHosts,
            ...(identity !== undefined ? { identity } : {}),
            workDir: context.workDir,
            env: childEnvironment(context.env, secrets),
            secrets,
            ...(context.sshProgram ? { program: context.sshProgram } : {}),
          }),
        fail,
      );
      ssh = new SshDelivery(connection, layout, context.certificate, DEFAULT_SSH_TIMEOUT_MS);
      deliveries.push(ssh);
    }
    if (spec.command) {
      const filesPaths = files ? () => files!.paths : undefined;
      deliveries.push(
        new CommandDelivery({
          certificate: context.certificate,
          target: name,
          argv: spec.command.run,
          timeoutMs: duration(spec.command.timeout, 'command.timeout', DEFAULT_COMMAND_TIMEOUT_MS),
          workDir: context.workDir,
          env: context.env,
          secrets,
          ...(filesPaths ? { filePaths: filesPaths } : {}),
          ...(context.previous ? { previous: context.previous } : {}),
        }),
      );
    }
    return new CompositeTarget(name, deliveries, { reloadArgv, verifyAddresses, verifyTimeoutMs, files, ssh, env: context.env, secrets });
  } catch (err) {
    await Promise.all(deliveries.map((d) => d.close().catch(() => {})));
    throw err;
  }
}

interface CompositeOptions {
  reloadArgv: string[] | undefined;
  verifyAddresses: string[];
  verifyTimeoutMs: number;
  files: FilesDelivery | undefined;
  ssh: SshDelivery | undefined;
  env: NodeJS.ProcessEnv;
  secrets: readonly string[];
}

class CompositeTarget implements Target {
  readonly description: string;
  readonly reloads: boolean;
  readonly verifies: boolean;

  constructor(
    readonly name: string,
    private readonly deliveries: Delivery[],
    private readonly options: CompositeOptions,
  ) {
    this.reloads = options.reloadArgv !== undefined;
    this.verifies = options.verifyAddresses.length > 0;
    const parts = deliveries.map((d) => d.description);
    if (options.reloadArgv) parts.push(`reload ${JSON.stringify(shellJoin(options.reloadArgv))}${options.ssh ? ' on the host' : ''}`);
    if (this.verifies) parts.push(`verify ${options.verifyAddresses.join(', ')}`);
    this.description = parts.join(' + ');
  }

  async inPlace(material: DeployMaterial): Promise<boolean | undefined> {
    let unknown = false;
    for (const d of this.deliveries) {
      const here = await d.inPlace(material);
      if (here === false) return false;
      if (here === undefined) unknown = true;
    }
    return unknown ? undefined : true;
  }

  async deploy(material: DeployMaterial): Promise<PutResult> {
    const details: string[] = [];
    let changed = false;
    let replaced: string | undefined;
    for (const d of this.deliveries) {
      const r = await d.put(material);
      changed ||= r.changed;
      replaced ??= r.replacedCertificatePem;
      details.push(r.detail);
    }
    return replaced ? { changed, detail: details.join('; '), replacedCertificatePem: replaced } : { changed, detail: details.join('; ') };
  }

  async reload(material: DeployMaterial, action: 'deploy' | 'rollback', facts: CertificateFacts = factsOf(material)): Promise<string> {
    const argv = this.options.reloadArgv;
    if (!argv) return 'no reload configured';
    const label = `reload ${JSON.stringify(shellJoin(argv))}`;
    const { ssh, files, env: baseEnv, secrets } = this.options;
    if (ssh) {
      await ssh.runRemote(argv, certopsVariables(facts, ssh.paths, this.name, action), DEFAULT_RELOAD_TIMEOUT_MS);
      return `${label} succeeded on the host`;
    }
    const paths: Partial<Record<FileRole, string>> = files ? layoutPaths(files.layout) : {};
    const env = childEnvironment(baseEnv, secrets, certopsVariables(facts, paths, this.name, action));
    const result = await runCommand(argv, { env, timeoutMs: DEFAULT_RELOAD_TIMEOUT_MS, secrets: [...secrets, ...material.secretTexts()] });
    if (result.exitCode !== 0) throw new StepError(describeFailure(label, result, DEFAULT_RELOAD_TIMEOUT_MS));
    return `${label} succeeded`;
  }

  async verify(expect: Expectation, options: TargetVerifyOptions): Promise<VerifyReport> {
    return verifyServed(expect, { addresses: this.options.verifyAddresses, timeoutMs: this.options.verifyTimeoutMs, ...options });
  }

  async rollback(): Promise<{ changed: boolean; detail: string; restored?: Restored }> {
    const changed = this.deliveries.some((d) => d.changed);
    if (!changed) return { changed: false, detail: 'nothing to restore: no file was replaced and no command ran' };
    const details: string[] = [];
    let restored: Restored | undefined;
    // Put-order: files are back before a command that reads them runs again.
    for (const d of this.deliveries) {
      try {
        const r = await d.restore(restored);
        details.push(r.detail);
        if (r.restored) restored = { ...restored, ...r.restored };
      } catch (err) {
        throw new StepError([...details, `${d.description}: ${errorText(err)}`].join('; '));
      }
    }
    return restored ? { changed: true, detail: details.join('; '), restored } : { changed: true, detail: details.join('; ') };
  }

  async close(): Promise<void> {
    await Promise.all(this.deliveries.map((d) => d.close()));
  }
}

function guard<T>(fn: () => T, fail: (message: string) => never): T {
  try {
    return fn();
  } catch (err) {
    return fail(errorText(err));
  }
}

async function guardAsync<T>(fn: () => Promise<T>, fail: (message: string) => never): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    return fail(errorText(err));
  }
}

/** knownHosts holds key lines, or the name of a secret (an environment variable name) that does. */
function secretOrLiteral(value: string, context: TargetContext, field: string, fail: (message: string) => never): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(value.trim())) {
    return context.secret(value.trim()) ?? fail(`${field} names the secret "${value.trim()}", but no such secret (environment variable) is set`);
  }
  return value;
}
