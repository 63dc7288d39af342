import { eventWithoutCertificate, type LifecycleEvent } from '../events/event.js';

/**
 * The event that says reports were written. It goes to SIEM sinks only: in the ledger it would
 * change evidence.md on every run, and so commit on every run.
 */
export function reportGeneratedEvent(options: { now: Date; changed: readonly string[]; actor: string; runUrl: string; commit?: string }): LifecycleEvent {
  return eventWithoutCertificate('report_generated', { ...options, certificate: '', message: `reports updated: ${options.changed.join(', ')}` });
}
