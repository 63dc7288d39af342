import type { EventSink, LifecycleEvent } from '../events/event.js';
import { appendEvents, type AppendOptions, type LedgerEntry } from './ledger-file.js';

/**
 * The audit ledger as an event sink: each event is appended (and so on disk) before emit
 * resolves, so a run that dies later has still recorded what it did.
 */
export class LedgerSink implements EventSink {
  /** What this sink wrote, in order. */
  readonly written: LedgerEntry[] = [];

  constructor(
    private readonly repoDir: string,
    private readonly options: AppendOptions = {},
  ) {}

  async emit(event: LifecycleEvent): Promise<void> {
    const result = await appendEvents(this.repoDir, [event], this.options);
    this.written.push(...result.appended);
  }
}
