import type { AcmeSolverSpec } from '../../../manifest/types.js';
import type { ChallengeType } from './types.js';

/** The challenge type a solver entry answers. */
export function solverChallengeType(spec: AcmeSolverSpec): ChallengeType | undefined {
  if (spec.dns01) return 'dns-01';
  if (spec.http01) return 'http-01';
  return undefined;
}

/**
 * Picks the solver for one name, the way cert-manager does: an entry whose `dnsNames` lists the
 * name beats one whose `dnsZones` holds it, a longer zone beats a shorter one, and an entry
 * without a selector is the fallback. Entries for challenge types the CA did not offer for this
 * name (http-01 for a wildcard) are skipped. Equal matches: the first listed wins.
 * `name` is the name as in the certificate (`*.example.com` for a wildcard).
 * Returns the index in `solvers`, or undefined when none applies.
 */
export function selectSolver(solvers: readonly AcmeSolverSpec[], name: string, offered: readonly string[]): number | undefined {
  const target = name.toLowerCase().replace(/\.$/, '');
  let best: { index: number; score: number } | undefined;
  solvers.forEach((spec, index) => {
    const type = solverChallengeType(spec);
    if (!type || !offered.includes(type)) return;
    const score = matchScore(spec.selector, target);
    if (score === undefined) return;
    if (!best || score > best.score) best = { index, score };
  });
  return best?.index;
}

// Scores: no selector 0; zone match 1 + zone length (longer is more specific); name match above any zone.
const NAME_MATCH = 1_000_000;

function matchScore(selector: AcmeSolverSpec['selector'], name: string): number | undefined {
  const names = selector?.dnsNames ?? [];
  const zones = selector?.dnsZones ?? [];
  if (names.length === 0 && zones.length === 0) return 0;
  if (names.some((n) => n.toLowerCase().replace(/\.$/, '') === name)) return NAME_MATCH;
  let score: number | undefined;
  for (const raw of zones) {
    const zone = raw.toLowerCase().replace(/^\./, '').replace(/\.$/, '');
    if (name === zone || name.endsWith(`.${zone}`)) score = Math.max(score ?? 0, 1 + zone.length);
  }
  return score;
}
