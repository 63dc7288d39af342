import { eventWithoutCertificate, type LifecycleEvent } from '../events/event.js';
import type { Finding } from '../findings.js';

export interface ViolationContext {
  now: Date;
  actor: string;
  runUrl: string;
  commit?: string;
}

/** What names a violation across runs: rule, file, place in the file, certificate; not the wording or the line, which drift. */
const identity = (f: Finding) => `${f.ruleId} ${f.file}${f.path ? `#${f.path}` : ''}`;
const key = (certificate: string, message: string) => `${certificate}\u0000${message.split(': ')[0]}`;

/**
 * Ledger events for error-level findings that the ledger does not hold yet. A violation that
 * persists is recorded once, when it is first seen, not on every run that sees it again.
 */
export function newViolationEvents(findings: readonly Finding[], recorded: readonly LifecycleEvent[], ctx: ViolationContext): LifecycleEvent[] {
  const known = new Set(recorded.filter((e) => e.event_type === 'certificate_policy_violation').map((e) => key(e.certificate, e.message ?? '')));
  const events: LifecycleEvent[] = [];
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    const message = `${identity(f)}: ${f.message} (line ${f.line})`;
    const certificate = f.certificate ?? '';
    if (known.has(key(certificate, message))) continue;
    known.add(key(certificate, message));
    events.push(eventWithoutCertificate('policy_violation', { ...ctx, certificate, message }));
  }
  return events;
}
