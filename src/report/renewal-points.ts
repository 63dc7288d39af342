import type { LockFile } from '../manifest/lock-file.js';
import type { CertificateSpec } from '../manifest/types.js';
import { planRenewals } from '../renewal/plan.js';

/** What the report shows as "next planned renewal" for one certificate. */
export interface RenewalPoint {
  /** The planned renewal instant; undefined when something other than time made it due now. */
  at?: Date;
  /** The renewal job would renew it in a run at `now`. */
  due: boolean;
  /** The planner's reason (`expiring`, `spec-changed`, `missing`, `not-due`, ...). */
  reason: string;
}

/**
 * The one place the report asks the renewal planner, so the report follows the renewal job's
 * own rule (renewBefore, percentage, ARI window, spread) instead of keeping a copy of it.
 */
export function renewalPoints(certificates: readonly CertificateSpec[], lock: LockFile, now: Date, retiredKeys?: ReadonlySet<string>): Map<string, RenewalPoint> {
  const plan = planRenewals({ certificates, lock, now, ...(retiredKeys ? { retiredKeys } : {}) });
  const points = new Map<string, RenewalPoint>();
  for (const c of plan.certificates) {
    // The planner answers `now` for reasons other than time; that instant would change on every
    // run and churn the reports, and says nothing the reason does not.
    const fromTime = !(c.due && c.renewAt.getTime() === now.getTime());
    points.set(c.name, { ...(fromTime ? { at: c.renewAt } : {}), due: c.due, reason: c.reason });
  }
  return points;
}
