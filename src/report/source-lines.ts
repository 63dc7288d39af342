import type { PositionIndex } from '../manifest/yaml-source.js';
import { escapePointerToken } from '../manifest/yaml-source.js';

/**
 * Lines of the entries of a YAML list or mapping, found by scanning the text: indexing every
 * node's position costs more than the rest of a 10,000-certificate report, and a link only needs
 * the line an entry starts on. `match` reads the entry's name off a line, if the line starts one.
 */
function scanLines(source: string, match: (line: string) => string | undefined): Map<string, number> {
  const lines = new Map<string, number>();
  let n = 0;
  for (let start = 0; start <= source.length; ) {
    const end = source.indexOf('\n', start);
    const line = source.slice(start, end < 0 ? source.length : end);
    n++;
    const name = match(line);
    if (name !== undefined && !lines.has(name)) lines.set(name, n);
    if (end < 0) break;
    start = end + 1;
  }
  return lines;
}

const LIST_ITEM_NAME = /^\s*-\s+(?:\{\s*)?name:\s*(?:"([^"]+)"|'([^']+)'|([^\s,#}]+))/;

/**
 * The line of each certificate in certificates.yaml (`- name: api` or `- { name: api, ... }`).
 * A certificate written some other way (name not first) is looked up in the position index.
 */
export function manifestLines(source: string, certificates: readonly { name: string; index: number }[], positions: () => PositionIndex | undefined): Map<string, number> {
  const found = scanLines(source, (line) => {
    const m = LIST_ITEM_NAME.exec(line);
    return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
  });
  const lines = new Map<string, number>();
  for (const c of certificates) {
    const line = found.get(c.name) ?? positions()?.value(`/certificates/${c.index}`)?.line;
    if (line !== undefined) lines.set(c.name, line);
  }
  return lines;
}

const LOCK_ENTRY = /^ {2}(?:"([^"]+)"|([^\s:"'#][^:]*)):\s*$/;

/** The line of each entry of certificates.lock.yaml, which certops writes with a fixed layout; others through the index. */
export function lockLines(source: string | undefined, names: readonly string[], positions: () => PositionIndex | undefined): Map<string, number> {
  const lines = new Map<string, number>();
  if (source === undefined) return lines;
  const found = scanLines(source, (line) => {
    const m = LOCK_ENTRY.exec(line);
    return m ? (m[1] ?? m[2]) : undefined;
  });
  for (const name of names) {
    const line = found.get(name) ?? positions()?.key(`/certificates/${escapePointerToken(name)}`)?.line;
    if (line !== undefined) lines.set(name, line);
  }
  return lines;
}
