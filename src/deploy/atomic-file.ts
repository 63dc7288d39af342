import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileAttributes {
  /** Permission bits, e.g. 0o600. */
  mode: number;
  uid?: number;
  gid?: number;
}

/** The name a file is staged under before its rename: hidden, in the same directory, never reused. */
export function stagingPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.certops-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Writes a file so that readers see the old content or the new, never a mix: the data goes to a
 * temporary file in the same directory (a rename is atomic only within one file system), which
 * gets its mode and owner and is fsynced before it is renamed over the target; the directory is
 * then fsynced so the rename survives a crash. The temporary file is created 0600, so a key is
 * never readable by others, not even for the moment before chmod.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, attributes: FileAttributes): Promise<void> {
  const staged = await stageFile(path, data, attributes);
  await commitStaged(staged, path);
  await syncDirectory(dirname(path));
}

/** The first half of writeFileAtomic, for callers that stage several files before renaming any. */
export async function stageFile(path: string, data: string | Uint8Array, attributes: FileAttributes): Promise<string> {
  const staged = stagingPath(path);
  const handle = await open(staged, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    if (attributes.uid !== undefined || attributes.gid !== undefined) await handle.chown(attributes.uid ?? -1, attributes.gid ?? -1);
    await handle.chmod(attributes.mode);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => {});
    await rm(staged, { force: true });
    throw err;
  }
  await handle.close();
  return staged;
}

export async function commitStaged(staged: string, path: string): Promise<void> {
  try {
    await rename(staged, path);
  } catch (err) {
    await rm(staged, { force: true });
    throw err;
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
