import { colonSerial, eventType, type LifecycleEvent, type LifecycleEventKind } from '../events/event.js';
import { oneLineDn } from '../pki/certificate-info.js';
import type { TargetOutcome } from './types.js';

export interface EventProvenance {
  actor: string;
  runUrl: string;
  commit?: string;
}

export interface EventCertificate {
  subject: string;
  serial: string;
  issuerDN: string;
  notAfter: string;
}

/**
 * The ledger events for one outcome: `deployed`; or `deploy_failed`, followed by `rolled_back`
 * when a rollback was attempted (status rolled_back when it restored and verified the previous
 * certificate, failure when it did not). An unchanged target emits nothing: nothing happened.
 */
export function eventsFor(outcome: TargetOutcome, certificate: EventCertificate | undefined, provenance: EventProvenance, now: Date): LifecycleEvent[] {
  const base = (kind: LifecycleEventKind, status: LifecycleEvent['deployment_status'], message: string): LifecycleEvent => {
    const event: LifecycleEvent = {
      timestamp: now.toISOString(),
      event_type: eventType(kind),
      certificate_subject: certificate ? oneLineDn(certificate.subject) : '',
      certificate_serial: certificate ? colonSerial(certificate.serial) : '',
      issuer: certificate ? oneLineDn(certificate.issuerDN) : '',
      expiration_date: certificate?.notAfter ?? '',
      deployment_status: status,
      target_systems: [outcome.target],
      certificate: outcome.certificate,
      actor: provenance.actor,
      run_url: provenance.runUrl,
      message,
    };
    if (provenance.commit) event.commit = provenance.commit;
    return event;
  };
  switch (outcome.status) {
    case 'unchanged':
      return [];
    case 'deployed':
      return [base('deployed', 'success', outcome.message)];
    case 'rolled-back':
      return [base('deploy_failed', 'failure', outcome.message), base('rolled_back', 'rolled_back', outcome.message)];
    case 'failed': {
      const events = [base('deploy_failed', 'failure', outcome.message)];
      const rollback = outcome.steps.find((s) => s.step === 'rollback');
      if (rollback && rollback.status !== 'skipped') events.push(base('rolled_back', 'failure', outcome.message));
      return events;
    }
  }
}
