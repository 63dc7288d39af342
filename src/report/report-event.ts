import { eventType, type LifecycleEvent } from '../events/event.js';

/**
 * The event that says reports were written. It goes to SIEM sinks only: in the ledger it would
 * change evidence.md on every run, and so commit on every run.
 */
export function reportGeneratedEvent(options: { now: Date; changed: readonly string[]; actor: string; runUrl: string; commit?: string }): LifecycleEvent {
  return {
    timestamp: options.now.toISOString(),
    event_type: eventType('report_generated'),
    certificate_subject: '',
    certificate_serial: '',
    issuer: '',
    expiration_date: '',
    deployment_status: 'n/a',
    target_systems: [],
    certificate: '',
    actor: options.actor,
    run_url: options.runUrl,
    ...(options.commit ? { commit: options.commit } : {}),
    message: `reports updated: ${options.changed.join(', ')}`,
  };
}
