import { isAbsolute, join } from 'node:path';
import type { FileRole } from './material.js';

/** Where a certificate's files go on a target and with which permissions. */
export interface FileLayout {
  /** Absolute directory, `{name}` already replaced. */
  dir: string;
  /** File name per role; roles without a name are not written (only `combined` is optional). */
  names: Partial<Record<FileRole, string>>;
  /** Mode of the files that hold the key (key, combined). */
  keyMode: number;
  /** Mode of the public files (cert, chain, fullchain). */
  certMode: number;
}

/** certbot's names, which nginx and Apache guides already use. */
export const DEFAULT_NAMES: Readonly<Record<Exclude<FileRole, 'combined'>, string>> = {
  cert: 'cert.pem',
  chain: 'chain.pem',
  fullchain: 'fullchain.pem',
  key: 'privkey.pem',
};

export const ROLES: readonly FileRole[] = ['cert', 'chain', 'fullchain', 'key', 'combined'];

export interface LayoutSpec {
  dir: string;
  names?: { cert?: string; chain?: string; fullchain?: string; key?: string; combined?: string };
  keyMode?: string;
  certMode?: string;
}

/**
 * The layout of one certificate on a target. `{name}` in `dir` or in a file name stands for the
 * certificate's name, so one target can hold several certificates (`dir: /etc/nginx/certs/{name}`
 * or `fullchain: "{name}.pem"`). Certificate names are identifiers ([a-z0-9._-], no `/`, never
 * `..`), so the substitution cannot leave the directory. Throws with the field at fault.
 */
export function fileLayout(spec: LayoutSpec, certificate: string, where: string): FileLayout {
  const fill = (text: string) => text.split('{name}').join(certificate);
  const dir = fill(spec.dir);
  if (!isAbsolute(dir)) throw new Error(`${where}.dir "${spec.dir}" must be an absolute path`);
  const names: Partial<Record<FileRole, string>> = {};
  for (const role of ROLES) {
    const given = spec.names?.[role];
    const name = given === undefined ? (role === 'combined' ? undefined : DEFAULT_NAMES[role]) : fill(given);
    if (name === undefined) continue;
    if (name === '' || name.includes('/') || name === '.' || name === '..' || name.startsWith('.certops-')) {
      throw new Error(`${where}.names.${role} "${given}" must be a plain file name (no "/"; not "." or ".."; not starting with ".certops-")`);
    }
    names[role] = name;
  }
  const seen = new Map<string, FileRole>();
  for (const [role, name] of Object.entries(names) as [FileRole, string][]) {
    const other = seen.get(name);
    if (other) throw new Error(`${where}.names: ${other} and ${role} are both "${name}"; give each file its own name`);
    seen.set(name, role);
  }
  return { dir, names, keyMode: parseMode(spec.keyMode, 0o600, `${where}.keyMode`), certMode: parseMode(spec.certMode, 0o644, `${where}.certMode`) };
}

function parseMode(text: string | undefined, fallback: number, field: string): number {
  if (text === undefined) return fallback;
  if (!/^0?[0-7]{3}$/.test(text)) throw new Error(`${field} "${text}" is not an octal file mode such as 0600`);
  return parseInt(text, 8);
}

/** The absolute path of each role's file. */
export function layoutPaths(layout: FileLayout): Partial<Record<FileRole, string>> {
  const out: Partial<Record<FileRole, string>> = {};
  for (const [role, name] of Object.entries(layout.names) as [FileRole, string][]) out[role] = join(layout.dir, name);
  return out;
}

export function modeFor(layout: FileLayout, role: FileRole): number {
  return role === 'key' || role === 'combined' ? layout.keyMode : layout.certMode;
}

/**
 * Where the files a deploy replaced are kept: a hidden subfolder of the target directory, one per
 * certificate. A subfolder rather than a suffix beside each file because servers load whole
 * directories (haproxy's `crt <dir>` reads every file in it; `include *.pem` patterns) and would
 * pick up `cert.pem.previous` as a certificate, while they do not descend into subfolders; it is
 * on the same file system, so a restore is a rename; it is mode 0700 since it holds a key.
 */
export const PREVIOUS_DIR = '.certops-previous';
