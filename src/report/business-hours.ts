/** When changes to certificates are expected; one made outside these hours is worth a second look. */
export interface BusinessHours {
  /** IANA time zone the hours are in. Default `UTC`. */
  timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday ... 7 = Sunday. Default Monday to Friday. */
  days: number[];
  /** Start of the working day, `HH:MM`, inclusive. Default `08:00`. */
  start: string;
  /** End of the working day, `HH:MM`, exclusive. Default `18:00`. */
  end: string;
}

export const DEFAULT_BUSINESS_HOURS: BusinessHours = { timeZone: 'UTC', days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00' };

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HHMM = /^([01]\d|2[0-4]):([0-5]\d)$/;

export class BusinessHoursError extends Error {
  override readonly name = 'BusinessHoursError';
}

/**
 * Parses `Mon-Fri 08:00-18:00 UTC` (days as a range or a comma list, the zone optional and any
 * IANA name), the form the CLI and the action take.
 */
export function parseBusinessHours(text: string): BusinessHours {
  const m = /^\s*([A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})(?:\s+(\S+))?\s*$/.exec(text);
  if (!m) throw new BusinessHoursError(`business hours "${text}" are not in the form "Mon-Fri 08:00-18:00 UTC".`);
  const days = new Set<number>();
  for (const part of m[1]!.split(',')) {
    const [from, to] = part.split('-').map((d) => dayNumber(d.trim(), text));
    if (to === undefined) days.add(from!);
    else for (let d = from!; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === to) break;
    }
  }
  return validate({ timeZone: m[4] ?? 'UTC', days: [...days].sort((a, b) => a - b), start: m[2]!, end: m[3]! });
}

function dayNumber(name: string, text: string): number {
  const i = WEEKDAYS.findIndex((d) => d.toLowerCase() === name.toLowerCase());
  if (i < 0) throw new BusinessHoursError(`"${name}" in business hours "${text}" is not a weekday: use ${WEEKDAYS.join(', ')}.`);
  return i + 1;
}

/** Checks the fields; throws BusinessHoursError naming the bad one. */
export function validate(hours: BusinessHours): BusinessHours {
  for (const key of ['start', 'end'] as const) {
    if (!HHMM.test(hours[key]) || (hours[key].startsWith('24') && hours[key] !== '24:00')) throw new BusinessHoursError(`business hours ${key} "${hours[key]}" is not a time of day (HH:MM).`);
  }
  if (minutes(hours.start) >= minutes(hours.end)) throw new BusinessHoursError(`business hours start ${hours.start} must be before end ${hours.end}.`);
  if (hours.days.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) throw new BusinessHoursError('business days are ISO weekdays, 1 (Monday) to 7 (Sunday).');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone });
  } catch {
    throw new BusinessHoursError(`"${hours.timeZone}" is not a time zone: use an IANA name such as UTC or Europe/Berlin.`);
  }
  return hours;
}

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Weekday (1-7), and minutes since midnight, of an instant in a zone. */
export function localTime(instant: Date, timeZone: string): { weekday: number; minutes: number; text: string } {
  let weekday: number;
  let hour: number;
  let minute: number;
  if (timeZone === 'UTC') {
    weekday = ((instant.getUTCDay() + 6) % 7) + 1;
    hour = instant.getUTCHours();
    minute = instant.getUTCMinutes();
  } else {
    let f = formatters.get(timeZone);
    if (!f) formatters.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
    const parts = Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
    weekday = WEEKDAYS.indexOf(parts.weekday ?? '') + 1;
    hour = Number(parts.hour);
    minute = Number(parts.minute);
  }
  const text = `${WEEKDAYS[weekday - 1]} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} ${timeZone}`;
  return { weekday, minutes: hour * 60 + minute, text };
}

export function isBusinessHours(instant: Date, hours: BusinessHours = DEFAULT_BUSINESS_HOURS): boolean {
  const local = localTime(instant, hours.timeZone);
  return hours.days.includes(local.weekday) && local.minutes >= minutes(hours.start) && local.minutes < minutes(hours.end);
}
