import type { DeployMaterial } from './material.js';

/** What a rollback put back, as far as verification needs it. */
export interface Restored {
  /** The previous leaf + chain PEM, when there was a previous certificate. */
  certificatePem?: string;
  /** The previous files' paths (for a command that runs after a files restore). */
  paths?: Partial<Record<string, string>>;
}

export interface PutResult {
  changed: boolean;
  detail: string;
  /** The certificates (leaf + chain PEM) of what was replaced, when known: names it in verify messages. */
  replacedCertificatePem?: string;
}

/**
 * One way of putting a certificate somewhere: files in a local directory, files on an ssh host,
 * a user's command. A target combines one or more deliveries with its reload and verify.
 */
export interface Delivery {
  readonly kind: 'files' | 'ssh' | 'command';
  readonly description: string;
  /** Whether put() changed anything that restore() would undo. */
  readonly changed: boolean;
  /** True when exactly these files are in place; false when not; undefined when this kind cannot tell (a command). */
  inPlace(material: DeployMaterial): Promise<boolean | undefined>;
  /** Puts the material in place, keeping what it replaces. Throws StepError with what went wrong. */
  put(material: DeployMaterial): Promise<PutResult>;
  /** Undoes put(). `before` is what an earlier delivery of the same target restored. */
  restore(before: Restored | undefined): Promise<{ detail: string; restored?: Restored }>;
  /** Removes temporary files (keys given to a command, ssh identities). */
  close(): Promise<void>;
}

/** A step that failed with a message meant for people. */
export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
