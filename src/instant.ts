/** What `--now` and the `now` input accept, for error messages. */
export const INSTANT_FORMATS = 'an ISO-8601 date or date-time with a zone, e.g. 2026-03-15 or 2026-03-15T12:00:00Z';

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses the instant a run is evaluated at. A date alone means midnight UTC; a date-time must
 * carry a zone, since the same text would otherwise mean different instants on a laptop and
 * on a runner. Returns undefined for anything else, including dates that do not exist.
 */
export function parseInstant(text: string): Date | undefined {
  const m = ISO_8601.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  // Date would roll 2026-02-30 over to March: a date that does not exist is a typo, not an instant.
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}${fraction.slice(0, 4)}${zone.toUpperCase()}`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
