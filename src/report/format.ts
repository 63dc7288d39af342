/** Small text helpers shared by the report writers. Every one is pure, so the files stay byte-identical. */

const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z$/;

/** `2026-03-15T12:00:00Z`: ISO 8601 without milliseconds, which add noise and never carry meaning here. */
export function isoSeconds(date: Date | number | string): string {
  // Lock files and events hold canonical UTC texts already; slicing them spares a Date per field.
  const text = typeof date === 'string' && CANONICAL.test(date) ? date : new Date(date).toISOString();
  return `${text.slice(0, 19)}Z`;
}

/**
 * An ISO text in UTC as it is, anything else through Date (reports format tens of thousands of
 * dates); undefined for what is not a date.
 */
function iso(date: Date | number | string): string | undefined {
  if (typeof date === 'string' && CANONICAL.test(date)) return date;
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** `2026-03-15`, the UTC day; text that is not a date is shown as it is. */
export function isoDay(date: Date | number | string): string {
  return iso(date)?.slice(0, 10) ?? String(date);
}

/** `2026-03-15 12:00`, UTC, for tables people read; text that is not a date is shown as it is. */
export function isoMinute(date: Date | number | string): string {
  const text = iso(date);
  return text ? `${text.slice(0, 10)} ${text.slice(11, 16)}` : String(date);
}

/** Milliseconds of an ISO date text, or undefined when it is not one. */
export function parseTime(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

const MD_SPECIAL = /[\\|\r\n<@]/;

/**
 * Text for one Markdown table cell. Pipes and newlines would break the table; `<` could open
 * HTML; `@` would notify people from a committed file or an issue, which only owners listed on
 * purpose should be.
 */
export function mdCell(text: string): string {
  if (!MD_SPECIAL.test(text)) return text;
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/@/g, '&#64;');
}

/** Inline code that survives backticks in the text. */
export function mdCode(text: string): string {
  const clean = text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
  const fence = clean.includes('`') ? '``' : '`';
  return `${fence}${fence.length > 1 ? ' ' : ''}${clean}${fence.length > 1 ? ' ' : ''}${fence}`;
}

/** A Markdown link whose label is escaped for a table cell. */
export function mdLink(label: string, href: string): string {
  const text = mdCell(label);
  const safeText = text.includes('[') || text.includes(']') ? text.replace(/[[\]]/g, '\\$&') : text;
  const safeHref = /[()\s]/.test(href) ? href.replace(/[()\s]/g, encodeURIComponent) : href;
  return `[${safeText}](${safeHref})`;
}

/** Text for XML character data and attribute values. */
export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A pull request URL in free text (`https://github.com/o/r/pull/12`), the first one. */
export function findPullRequestUrl(...texts: (string | undefined)[]): string | undefined {
  for (const text of texts) {
    const m = text && /https?:\/\/[^\s"'<>()]+\/pull\/\d+/.exec(text);
    if (m) return m[0];
  }
  return undefined;
}

/** `#12` for a pull request URL, else `PR`. */
export function pullRequestLabel(url: string): string {
  const m = /\/pull\/(\d+)$/.exec(url);
  return m ? `#${m[1]}` : 'PR';
}
