import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** What is being waited for, for the timeout message. */
  what: string;
  /** Give up after this long. */
  timeoutMs?: number;
  /** Pause between attempts. */
  intervalMs?: number;
  /** Checked before each attempt: a reason to stop waiting at once (a server process that exited). */
  abortIf?: () => string | undefined;
}

/**
 * Polls `probe` until it returns a value other than undefined, and returns that value. A probe
 * that throws counts as "not yet"; the last error is in the timeout message. No fixed sleeps:
 * a fast server is used as soon as it answers.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let lastError: unknown;
  for (;;) {
    const abort = options.abortIf?.();
    if (abort !== undefined) throw new Error(`gave up waiting for ${options.what}: ${abort}`);
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs ?? 15_000} ms waiting for ${options.what}${cause}`);
    }
    await delay(options.intervalMs ?? 25);
  }
}
