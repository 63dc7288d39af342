import { randomBytes } from 'node:crypto';
import { shellJoin, shellQuote } from './command-line.js';
import { StepError, type Delivery, type Restored } from './delivery.js';
import { certificatesOnly, contentHash } from './files-delivery.js';
import { layoutPaths, modeFor, PREVIOUS_DIR, ROLES, type FileLayout } from './layout.js';
import type { DeployMaterial, FileRole } from './material.js';
import type { SshConnection } from './ssh-connection.js';

const RESTORED_MARKER = '-----certops restored certificates-----';

/**
 * The `ssh` delivery: the same layout as `files`, on another host. Every remote step is one
 * POSIX sh script sent over one ssh connection: new files are staged in a folder beside the
 * target files and renamed into place (atomic on the host), and the replaced set is kept in
 * `<dir>/.certops-previous/<certificate>/` there, as the files delivery does locally. The host
 * needs sh, cat, cp, mv, chmod, mkdir, sha256sum and stat (coreutils or busybox).
 */
export class SshDelivery implements Delivery {
  readonly kind = 'ssh';
  readonly description: string;
  #changed = false;

  constructor(
    private readonly connection: SshConnection,
    readonly layout: FileLayout,
    private readonly certificate: string,
    private readonly timeoutMs: number,
  ) {
    this.description = `ssh ${connection.label}:${layout.dir}`;
  }

  get changed(): boolean {
    return this.#changed;
  }

  get paths(): Partial<Record<FileRole, string>> {
    return layoutPaths(this.layout);
  }

  async inPlace(material: DeployMaterial): Promise<boolean> {
    const roles = this.roles();
    const script = [
      `d=${shellQuote(this.layout.dir)}`,
      `for f in ${roles.map((r) => shellQuote(this.layout.names[r]!)).join(' ')}; do`,
      '  if [ -f "$d/$f" ]; then',
      '    h=$(sha256sum < "$d/$f") || exit 3',
      `    m=$(stat -c %a "$d/$f" 2>/dev/null || echo '?')`,
      `    printf '%s %s %s\\n' "\${h%% *}" "$m" "$f"`,
      '  else',
      `    printf -- '- - %s\\n' "$f"`,
      '  fi',
      'done',
      '',
    ].join('\n');
    const result = await this.connection.run(script, this.timeoutMs);
    if (result.exitCode !== 0) throw new StepError(this.connection.explain('reading the files', result, this.timeoutMs));
    const found = new Map<string, { sha256: string; mode: string }>();
    for (const line of result.stdout.split('\n')) {
      const m = /^(\S+) (\S+) (.*)$/.exec(line);
      if (m) found.set(m[3]!, { sha256: m[1]!, mode: m[2]! });
    }
    return roles.every((role) => {
      const file = found.get(this.layout.names[role]!);
      return file !== undefined && file.sha256 === contentHash(material.content(role)) && parseInt(file.mode, 8) === modeFor(this.layout, role);
    });
  }

  async put(material: DeployMaterial): Promise<{ changed: boolean; detail: string }> {
    const roles = this.roles();
    const delimiter = `CERTOPS_EOF_${randomBytes(12).toString('hex')}`;
    const q = (name: string) => shellQuote(name);
    const lines = [
      'set -eu',
      `d=${q(this.layout.dir)}`,
      `p="$d"/${q(`${PREVIOUS_DIR}/${this.certificate}`)}`,
      `n="$d"/${q(`${PREVIOUS_DIR}/${this.certificate}.new`)}`,
      `s="$d"/${q(`.certops-incoming-${this.certificate}`)}`,
      'umask 022',
      'mkdir -p -- "$d"',
      // Everything below is created private; modes are set explicitly before files go live.
      'umask 077',
      'mkdir -p -- "$d"/' + q(PREVIOUS_DIR),
      'rm -rf -- "$s" "$n"',
      'mkdir -- "$s" "$n"',
    ];
    for (const role of roles) {
      const content = material.content(role);
      if (content.includes(delimiter)) throw new StepError('internal: the here-document delimiter occurs in the content');
      lines.push(`cat > "$s"/${role} <<'${delimiter}'`, `${content}${content === '' || content.endsWith('\n') ? '' : '\n'}${delimiter}`);
      lines.push(`chmod ${modeFor(this.layout, role).toString(8).padStart(4, '0')} "$s"/${role}`);
    }
    for (const role of roles) {
      const name = q(this.layout.names[role]!);
      lines.push(`if [ -e "$d"/${name} ]; then cp -p -- "$d"/${name} "$n"/${role}; else : > "$n"/${role}.absent; fi`);
    }
    lines.push('rm -rf -- "$p"', 'mv -- "$n" "$p"');
    // From here on the live files change: tell the caller, so a failure below is rolled back.
    lines.push(`echo certops-replacing`);
    for (const role of roles) lines.push(`mv -f -- "$s"/${role} "$d"/${q(this.layout.names[role]!)}`);
    lines.push('rmdir -- "$s"', '');
    const script = lines.join('\n');
    const result = await this.connection.run(script, this.timeoutMs, material.secretTexts());
    if (result.stdout.includes('certops-replacing')) this.#changed = true;
    if (result.exitCode !== 0) throw new StepError(this.connection.explain('writing the files', result, this.timeoutMs));
    const names = roles.map((r) => this.layout.names[r]).join(', ');
    return { changed: true, detail: `wrote ${names} to ${this.connection.label}:${this.layout.dir}; the previous files are kept in ${this.layout.dir}/${PREVIOUS_DIR}/${this.certificate} there` };
  }

  async restore(): Promise<{ detail: string; restored?: Restored }> {
    if (!this.#changed) return { detail: `nothing to restore on ${this.connection.label}: no file was replaced` };
    const q = (name: string) => shellQuote(name);
    const lines = [
      'set -eu',
      `d=${q(this.layout.dir)}`,
      `p="$d"/${q(`${PREVIOUS_DIR}/${this.certificate}`)}`,
      `[ -d "$p" ] || { echo "the previous set $p is missing" >&2; exit 3; }`,
    ];
    for (const role of this.roles()) {
      const name = q(this.layout.names[role]!);
      lines.push(
        `if [ -e "$p"/${role}.absent ]; then rm -f -- "$d"/${name}; echo removed ${name};`,
        `elif [ -e "$p"/${role} ]; then cp -p -- "$p"/${role} "$d"/.${role}.certops-restore && mv -f -- "$d"/.${role}.certops-restore "$d"/${name}; echo restored ${name}; fi`,
      );
    }
    // Only certificates leave the host: from the fullchain, else cert + chain (never the combined file, which holds the key).
    lines.push(`echo ${shellQuote(RESTORED_MARKER)}`);
    const fullchain = this.layout.names.fullchain;
    const cert = this.layout.names.cert;
    const chain = this.layout.names.chain;
    if (fullchain) lines.push(`[ -e "$p"/fullchain ] && cat -- "$d"/${q(fullchain)} || true`);
    else if (cert) lines.push(`[ -e "$p"/cert ] && cat -- "$d"/${q(cert)} ${chain ? `"$d"/${q(chain)}` : ''} || true`);
    lines.push('');
    const result = await this.connection.run(lines.join('\n'), this.timeoutMs);
    if (result.exitCode !== 0) throw new StepError(this.connection.explain('restoring the previous files', result, this.timeoutMs));
    this.#changed = false;
    const [log = '', pem = ''] = result.stdout.split(RESTORED_MARKER);
    const done = log.trim().split('\n').filter(Boolean);
    const restored: Restored = { paths: this.paths };
    const certificatePem = certificatesOnly(pem);
    if (certificatePem) restored.certificatePem = certificatePem;
    return { detail: `${done.join(', ') || 'nothing restored'} on ${this.connection.label}:${this.layout.dir}`, restored };
  }

  /** Runs the reload on the host, with the CERTOPS_* variables exported there. */
  async runRemote(argv: readonly string[], variables: Record<string, string>, timeoutMs: number): Promise<void> {
    const exports = Object.entries(variables).map(([k, v]) => `export ${k}=${shellQuote(v)}`);
    const script = [...exports, shellJoin(argv), ''].join('\n');
    const result = await this.connection.run(script, timeoutMs);
    if (result.exitCode !== 0) throw new StepError(this.connection.explain(`reload ${shellJoin(argv)}`, result, timeoutMs));
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private roles(): FileRole[] {
    return ROLES.filter((r) => this.layout.names[r] !== undefined);
  }
}
