import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Owner {
  uid: number;
  /** Undefined when only a user was named: the group is left as it is. */
  gid?: number;
  /** As written in certificates.yaml, for messages. */
  text: string;
}

/**
 * Resolves `user`, `user:group`, `:group` or numeric ids. Names go through getent, so users from
 * LDAP or sssd resolve like local ones (node has no getpwnam). Throws with the name that failed.
 */
export async function resolveOwner(text: string): Promise<Owner> {
  const [user = '', group] = text.split(':');
  const owner: Owner = { uid: -1, text };
  if (user !== '') owner.uid = await lookupId('passwd', user);
  if (group !== undefined && group !== '') owner.gid = await lookupId('group', group);
  return owner;
}

async function lookupId(database: 'passwd' | 'group', name: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    const { stdout } = await run('getent', [database, name], { encoding: 'utf8' });
    const id = Number(stdout.split(':')[2]);
    if (Number.isInteger(id)) return id;
  } catch {
    // getent exits 2 for an unknown name; the message below covers both.
  }
  throw new Error(`owner: ${database === 'passwd' ? 'user' : 'group'} "${name}" does not exist on this machine`);
}

/** chown needs root (CAP_CHOWN); certops applies an owner only when it runs as root. */
export function canChown(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
