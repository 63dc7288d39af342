import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePem, toPem } from '../pki/pem.js';
import { commitStaged, stageFile, syncDirectory, writeFileAtomic, type FileAttributes } from './atomic-file.js';
import { errorText, StepError, type Delivery, type PutResult, type Restored } from './delivery.js';
import { layoutPaths, modeFor, PREVIOUS_DIR, ROLES, type FileLayout } from './layout.js';
import type { DeployMaterial, FileRole } from './material.js';
import type { Owner } from './owner.js';

interface CurrentFile {
  content: Buffer;
  mode: number;
  uid: number;
  gid: number;
}

/** What the previous set records beside the copies: which files existed, and their attributes. */
interface PreviousState {
  certificate: string;
  savedAt: string;
  files: Partial<Record<FileRole, { name: string; present: boolean; mode?: number; uid?: number; gid?: number }>>;
}

/**
 * The `files` delivery: the certificate's files in a local directory, written atomically, with
 * the set they replace kept in `<dir>/.certops-previous/<certificate>/` for the rollback.
 */
export class FilesDelivery implements Delivery {
  readonly kind = 'files';
  readonly description: string;
  #changed = false;

  constructor(
    readonly layout: FileLayout,
    private readonly certificate: string,
    /** Applied only when certops runs as root (see canChown); undefined to leave owners alone. */
    private readonly owner: Owner | undefined,
    private readonly ownerNote: string | undefined,
  ) {
    this.description = `files in ${layout.dir}`;
  }

  get changed(): boolean {
    return this.#changed;
  }

  get paths(): Partial<Record<FileRole, string>> {
    return layoutPaths(this.layout);
  }

  get previousDir(): string {
    return join(this.layout.dir, PREVIOUS_DIR, this.certificate);
  }

  async inPlace(material: DeployMaterial): Promise<boolean> {
    const current = await this.readCurrent();
    return this.roles().every((role) => this.matches(current[role], material, role));
  }

  async put(material: DeployMaterial): Promise<PutResult> {
    const paths = this.paths;
    try {
      await mkdir(this.layout.dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new StepError(`cannot create ${this.layout.dir}: ${errorText(err)}`);
    }
    const current = await this.readCurrent();
    const stale = this.roles().filter((role) => !this.matches(current[role], material, role));
    const note = this.ownerNote ? ` (${this.ownerNote})` : '';
    if (stale.length === 0) return { changed: false, detail: `already in place in ${this.layout.dir}${note}` };

    try {
      await this.savePrevious(current);
    } catch (err) {
      throw new StepError(`could not keep the previous files in ${this.previousDir}, so nothing was replaced: ${errorText(err)}`);
    }

    // Stage every file before renaming any, so a full disk or a bad owner stops the deploy
    // before the server's directory holds a mix of old and new files.
    const staged: [FileRole, string][] = [];
    try {
      for (const role of this.roles()) staged.push([role, await stageFile(paths[role]!, material.content(role), this.attributes(role))]);
    } catch (err) {
      await Promise.all(staged.map(([, file]) => rm(file, { force: true })));
      throw new StepError(`could not write the new files to ${this.layout.dir}, nothing was replaced: ${errorText(err)}`);
    }
    try {
      for (const [i, [role, file]] of staged.entries()) {
        await commitStaged(file, paths[role]!);
        staged[i] = [role, ''];
        this.#changed = true;
      }
      await syncDirectory(this.layout.dir);
    } catch (err) {
      await Promise.all(staged.filter(([, f]) => f !== '').map(([, file]) => rm(file, { force: true })));
      throw new StepError(`replacing the files in ${this.layout.dir} failed part-way: ${errorText(err)}`);
    }
    const names = this.roles().map((r) => this.layout.names[r]).join(', ');
    const result: PutResult = { changed: true, detail: `wrote ${names} to ${this.layout.dir}; the previous files are kept in ${this.previousDir}${note}` };
    const replaced =
      certificatesOnly(current.fullchain?.content.toString('utf8')) ??
      certificatesOnly(current.cert?.content.toString('utf8')) ??
      certificatesOnly(current.combined?.content.toString('utf8'));
    if (replaced) result.replacedCertificatePem = replaced;
    return result;
  }

  async restore(): Promise<{ detail: string; restored?: Restored }> {
    if (!this.#changed) return { detail: `nothing to restore in ${this.layout.dir}: no file was replaced` };
    let state: PreviousState;
    try {
      state = JSON.parse(await readFile(join(this.previousDir, 'state.json'), 'utf8')) as PreviousState;
    } catch (err) {
      throw new StepError(`the previous set in ${this.previousDir} cannot be read: ${errorText(err)}`);
    }
    const restoredNames: string[] = [];
    const removedNames: string[] = [];
    for (const role of ROLES) {
      const entry = state.files[role];
      if (!entry) continue;
      const path = join(this.layout.dir, entry.name);
      if (entry.present) {
        const content = await readFile(join(this.previousDir, role));
        const attributes: FileAttributes = { mode: entry.mode ?? modeFor(this.layout, role) };
        if (this.owner && entry.uid !== undefined) {
          attributes.uid = entry.uid;
          if (entry.gid !== undefined) attributes.gid = entry.gid;
        }
        await writeFileAtomic(path, content, attributes);
        restoredNames.push(entry.name);
      } else {
        await unlink(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
        removedNames.push(entry.name);
      }
    }
    this.#changed = false;
    const restored: Restored = { paths: this.paths };
    const certificatePem = await this.previousCertificatePem(state);
    if (certificatePem !== undefined) restored.certificatePem = certificatePem;
    const parts: string[] = [];
    if (restoredNames.length) parts.push(`restored ${restoredNames.join(', ')} in ${this.layout.dir}`);
    if (removedNames.length) parts.push(`removed ${removedNames.join(', ')}, which did not exist before`);
    return { detail: parts.join('; ') || 'nothing to restore', restored };
  }

  async close(): Promise<void> {}

  private roles(): FileRole[] {
    return ROLES.filter((r) => this.layout.names[r] !== undefined);
  }

  private attributes(role: FileRole): FileAttributes {
    const attributes: FileAttributes = { mode: modeFor(this.layout, role) };
    if (this.owner) {
      if (this.owner.uid >= 0) attributes.uid = this.owner.uid;
      if (this.owner.gid !== undefined) attributes.gid = this.owner.gid;
    }
    return attributes;
  }

  private matches(file: CurrentFile | undefined, material: DeployMaterial, role: FileRole): boolean {
    if (!file) return false;
    if (!file.content.equals(Buffer.from(material.content(role)))) return false;
    if (file.mode !== modeFor(this.layout, role)) return false;
    if (this.owner) {
      if (this.owner.uid >= 0 && file.uid !== this.owner.uid) return false;
      if (this.owner.gid !== undefined && file.gid !== this.owner.gid) return false;
    }
    return true;
  }

  private async readCurrent(): Promise<Partial<Record<FileRole, CurrentFile>>> {
    const out: Partial<Record<FileRole, CurrentFile>> = {};
    for (const [role, path] of Object.entries(this.paths) as [FileRole, string][]) {
      try {
        const [content, info] = await Promise.all([readFile(path), stat(path)]);
        out[role] = { content, mode: info.mode & 0o777, uid: info.uid, gid: info.gid };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new StepError(`cannot read ${path}: ${errorText(err)}`);
      }
    }
    return out;
  }

  /**
   * Replaces the previous set as a whole: built in a sibling folder, then swapped in, so a crash
   * leaves either the older complete set or the new complete one.
   */
  private async savePrevious(current: Partial<Record<FileRole, CurrentFile>>): Promise<void> {
    const parent = join(this.layout.dir, PREVIOUS_DIR);
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const building = `${this.previousDir}.new`;
    await rm(building, { recursive: true, force: true });
    await mkdir(building, { mode: 0o700 });
    const state: PreviousState = { certificate: this.certificate, savedAt: new Date().toISOString(), files: {} };
    for (const role of this.roles()) {
      const file = current[role];
      const name = this.layout.names[role]!;
      if (file) {
        await writeFileAtomic(join(building, role), file.content, { mode: 0o600 });
        state.files[role] = { name, present: true, mode: file.mode, uid: file.uid, gid: file.gid };
      } else {
        state.files[role] = { name, present: false };
      }
    }
    await writeFileAtomic(join(building, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rm(this.previousDir, { recursive: true, force: true });
    await rename(building, this.previousDir);
    await syncDirectory(parent);
  }

  private async previousCertificatePem(state: PreviousState): Promise<string | undefined> {
    const read = async (role: FileRole) => (state.files[role]?.present ? (await readFile(join(this.previousDir, role), 'utf8')) : undefined);
    const fullchain = certificatesOnly(await read('fullchain'));
    if (fullchain) return fullchain;
    const cert = certificatesOnly(await read('cert'));
    if (cert) return cert + (certificatesOnly(await read('chain')) ?? '');
    // A combined file holds the key too: only its certificates leave this method.
    return certificatesOnly(await read('combined'));
  }
}

/** The CERTIFICATE blocks of a PEM text, re-encoded; undefined when it has none. */
export function certificatesOnly(text: string | undefined): string | undefined {
  const blocks = parsePem(text ?? '').filter((b) => b.label === 'CERTIFICATE');
  return blocks.length ? blocks.map((b) => toPem('CERTIFICATE', b.der)).join('') : undefined;
}

/** SHA-256 of a file's content, for comparisons with a remote copy. */
export function contentHash(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
