/** What happened to a certificate. The audit ledger records these; SIEM sinks receive them. */
export type LifecycleEventKind =
  | 'issued'
  | 'renewed'
  | 'renewal_failed'
  | 'deployed'
  | 'deploy_failed'
  | 'rolled_back'
  | 'revoked'
  | 'policy_violation'
  | 'report_generated';

/**
 * One event, in the SIEM schema (the first eight fields, snake_case as SIEMs expect) plus the
 * ledger's provenance fields. `event_type` is `certificate_<kind>`.
 */
export interface LifecycleEvent {
  timestamp: string;
  event_type: `certificate_${LifecycleEventKind}`;
  /** Subject DN, e.g. `CN=api.example.com`. */
  certificate_subject: string;
  /** Colon-separated upper-case hex, e.g. `04:A1:...`. */
  certificate_serial: string;
  /** Issuer DN (or the issuer's manifest name when no certificate exists yet). */
  issuer: string;
  /** notAfter, ISO 8601; empty when no certificate exists. */
  expiration_date: string;
  /** success | failure | rolled_back | pending | n/a */
  deployment_status: 'success' | 'failure' | 'rolled_back' | 'pending' | 'n/a';
  target_systems: string[];
  /** The certificate's name in certificates.yaml. */
  certificate: string;
  /** Who or what acted: the GitHub actor, or `certops`. */
  actor: string;
  /** The workflow run URL, or `certops cli`. */
  run_url: string;
  /** The commit the run acted on, when known. */
  commit?: string;
  /** Free text: the reason, the error, the steps taken. */
  message?: string;
}

/** Where events go: the ledger writer and SIEM sinks implement it; tests collect. */
export interface EventSink {
  emit(event: LifecycleEvent): void | Promise<void>;
}

/** Serial as SIEMs show it: upper-case hex pairs joined by colons. */
export function colonSerial(hex: string): string {
  const even = hex.length % 2 ? `0${hex}` : hex;
  return (even.toUpperCase().match(/../g) ?? []).join(':');
}

export function eventType(kind: LifecycleEventKind): LifecycleEvent['event_type'] {
  return `certificate_${kind}`;
}

/** An event about no issued certificate (a policy violation, a report run): the certificate fields stay empty. */
export function eventWithoutCertificate(kind: LifecycleEventKind, fields: { now: Date; certificate: string; actor: string; runUrl: string; commit?: string; message: string }): LifecycleEvent {
  return {
    timestamp: fields.now.toISOString(),
    event_type: eventType(kind),
    certificate_subject: '',
    certificate_serial: '',
    issuer: '',
    expiration_date: '',
    deployment_status: 'n/a',
    target_systems: [],
    certificate: fields.certificate,
    actor: fields.actor,
    run_url: fields.runUrl,
    ...(fields.commit ? { commit: fields.commit } : {}),
    message: fields.message,
  };
}
