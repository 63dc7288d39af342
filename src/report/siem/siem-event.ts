import type { EventSink, LifecycleEvent } from '../../events/event.js';
import { canonicalEventJson, eventMembers, sha256Hex } from '../ledger-line.js';

/**
 * An event as SIEM sinks send it: the LifecycleEvent plus `id`, so a receiver can drop a
 * repeat (a retry whose first attempt did arrive). For events from the ledger the id is the
 * line's `hash`; for others, the SHA-256 of the event's canonical JSON: the same event always
 * gets the same id, on every run and every machine.
 */
export type SiemEvent = LifecycleEvent & { id: string };

export function siemEvent(event: LifecycleEvent, id?: string): SiemEvent {
  const given = (event as Partial<SiemEvent>).id;
  return { ...event, id: id ?? given ?? sha256Hex(canonicalEventJson(event)) };
}

/** One JSON line: `id` first, then the ledger's field order. */
export function siemJson(event: SiemEvent): string {
  return `{"id":${JSON.stringify(event.id)},${eventMembers(event).join(',')}}`;
}

/** What a flush did. Nothing is dropped: what was not delivered is `spooled` for the next run. */
export interface SiemDelivery {
  delivered: number;
  spooled: number;
  /** Why delivery stopped, when it did. */
  error?: string;
}

/** An event sink that may hold events back until `flush` (batching, retries, a spool). */
export interface SiemSink extends EventSink {
  emit(event: LifecycleEvent | SiemEvent): void | Promise<void>;
  flush(): Promise<SiemDelivery>;
}
