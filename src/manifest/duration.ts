const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const DURATION = /^(?:\d+(?:\.\d+)?[dhms])+$/;

/** Parses `90d`, `2160h`, `1h30m` to milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)) ms += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(ms);
}

export const DAY_MS = UNIT_MS.d!;

/** A duration for people, to two units at most: `90d`, `1d12h`, `45m`. Long spans round to days. */
export function formatDuration(ms: number): string {
  if (ms >= 10 * DAY_MS) return `${Math.round(ms / DAY_MS)}d`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.slice(0, 2).join('') || '0s';
}
