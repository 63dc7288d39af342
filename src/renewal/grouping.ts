import type { Manifest } from '../manifest/types.js';
import type { RenewResult } from './renew.js';

/**
 * How renewals are split into pull requests, as Renovate groups updates:
 * - `all`: one pull request for everything (default);
 * - `certificate`: one per certificate, so each can be reviewed and merged alone;
 * - `owner`: one per owning team (the certificate's first owner), so each team reviews its own.
 */
export type Grouping = 'all' | 'certificate' | 'owner';
export const GROUPINGS: readonly Grouping[] = ['all', 'certificate', 'owner'];

export interface RenewalGroup {
  /** What the group is named after ('' for `all`). */
  key: string;
  /** The branch: the renewal branch itself for `all`, else `<branch>-<key>`. */
  branch: string;
  /** The result, narrowed to this group's certificates. */
  result: RenewResult;
}

/** Splits a renewal into groups. Removed lock entries ride with `all`, or in a `<branch>-cleanup` group. */
export function groupRenewal(result: RenewResult, manifest: Manifest, grouping: Grouping, branch: string): RenewalGroup[] {
  if (grouping === 'all') return [{ key: '', branch, result }];
  const owners = new Map(manifest.certificates.map((c) => [c.name, c.owners[0] ?? 'unowned']));
  const keyOf = (name: string) => (grouping === 'certificate' ? name : owners.get(name) ?? 'unowned');
  const keys = [...new Set([...result.renewed, ...result.failed].map((r) => keyOf(r.name)))].sort();
  const groups: RenewalGroup[] = keys.map((key) => ({
    key,
    branch: `${branch}-${key}`,
    result: {
      ...result,
      renewed: result.renewed.filter((r) => keyOf(r.name) === key),
      failed: result.failed.filter((f) => keyOf(f.name) === key),
      removed: [],
    },
  }));
  if (result.removed.length) groups.push({ key: 'cleanup', branch: `${branch}-cleanup`, result: { ...result, renewed: [], failed: [], removed: result.removed } });
  // A group of failures alone has nothing to propose.
  return groups.filter((g) => g.result.renewed.length || g.result.removed.length);
}
