import { constructFromEvents, getScalarValue, parseEvents, EVENT_ID, YAMLException, type Event } from 'js-yaml';

/** A 1-based line and column in a source file. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Where each node of a YAML document stands, by JSON pointer (`/certificates/0/name`).
 * `key` is the position of the mapping key naming the node, `value` the node itself.
 */
export interface PositionIndex {
  value(pointer: string): Position | undefined;
  key(pointer: string): Position | undefined;
  /** The nearest known position at or above the pointer: errors on missing fields land on their parent. */
  nearest(pointer: string): Position;
}

export type YamlParse =
  | { ok: true; value: unknown; positions: PositionIndex }
  | { ok: false; message: string; position: Position };

/** Documents larger than this are refused before parsing: a manifest is never this big. */
export const MAX_YAML_BYTES = 20 * 1024 * 1024;
/** Alias cap: a few anchors are normal, thousands are an attack. */
const MAX_ALIASES = 1000;
/** Nodes a document may expand to through aliases before it counts as an alias bomb. */
const MAX_EXPANDED_NODES = 2_000_000;

export function escapePointerToken(token: string): string {
  if (!token.includes('~') && !token.includes('/')) return token;
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface Frame {
  kind: 'map' | 'seq';
  pointer: string;
  index: number;
  /** For maps: the pending key, or undefined while a key is expected. */
  pendingKey?: string;
}

/**
 * Parses one YAML document with js-yaml. Where its nodes stand is indexed only when a finding
 * asks (see lazyPositions): a clean file pays for one parse.
 */
export function parseYaml(source: string, filename: string): YamlParse {
  if (source.length > MAX_YAML_BYTES) {
    return {
      ok: false,
      message: `${filename} is ${(source.length / 1048576).toFixed(1)} MB; certops reads YAML files up to ${MAX_YAML_BYTES / 1048576} MB. Split it or remove what is not YAML.`,
      position: { line: 1, column: 1 },
    };
  }
  if (source.includes('\u0000')) {
    return { ok: false, message: `${filename} holds NUL bytes: it is a binary file, not YAML.`, position: { line: 1, column: 1 } };
  }
  let events: Event[];
  let documents: unknown[];
  try {
    events = parseEvents(source, { filename, maxDepth: 64 });
    documents = constructFromEvents(events, { source, filename, maxAliases: MAX_ALIASES });
  } catch (err) {
    return yamlError(err, filename);
  }
  if (documents.length === 0) {
    return { ok: false, message: `${filename} is empty: it must hold one YAML document.`, position: { line: 1, column: 1 } };
  }
  // Without aliases every node stands in the source once, so the events bound the expanded size.
  const mayExpand = events.length > MAX_EXPANDED_NODES || events.some((ev) => ev.type === EVENT_ID.ALIAS);
  if (mayExpand && expandedSize(documents[0], MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES) {
    return {
      ok: false,
      message: `${filename} expands through its aliases (*name) to over ${MAX_EXPANDED_NODES.toLocaleString('en')} nodes: an alias bomb. Write the values out instead of nesting aliases.`,
      position: { line: 1, column: 1 },
    };
  }
  if (documents.length > 1) {
    return { ok: false, message: `${filename} holds ${documents.length} YAML documents (separated by ---); certops reads exactly one.`, position: { line: 1, column: 1 } };
  }
  return { ok: true, value: documents[0], positions: lazyPositions(source, filename) };
}

/** Line and column packed in one number: a source is at most MAX_YAML_BYTES, far below 2^26 columns. */
const COLUMNS = 2 ** 26;
const unpack = (packed: number): Position => ({ line: Math.floor(packed / COLUMNS), column: packed % COLUMNS });

/**
 * The position index of a parsed document, built on its first use. Positions are only needed
 * to report a finding, so a clean file (a lock file written by certops, typically) never pays
 * for indexing its nodes. The events are not kept for that: they are several objects per node,
 * and parsing again (same source, same events) is cheaper than holding them through a run.
 */
function lazyPositions(source: string, filename: string): PositionIndex {
  let values: Map<string, number> | undefined;
  let keys: Map<string, number> | undefined;
  const built = () => {
    if (!values) ({ values, keys } = indexPositions(source, parseEvents(source, { filename, maxDepth: 64 })));
    return { values, keys: keys! };
  };
  const index: PositionIndex = {
    value(p) {
      const hit = built().values.get(p);
      return hit === undefined ? undefined : unpack(hit);
    },
    key(p) {
      const hit = built().keys.get(p);
      return hit === undefined ? undefined : unpack(hit);
    },
    nearest(p) {
      const { values: v, keys: k } = built();
      for (let cur = p; ; cur = cur.slice(0, cur.lastIndexOf('/'))) {
        const hit = k.get(cur) ?? v.get(cur);
        if (hit !== undefined) return unpack(hit);
        if (cur === '') return { line: 1, column: 1 };
      }
    },
  };
  return index;
}

/** Where every node of the event stream stands, by JSON pointer, as packed line/column. */
function indexPositions(source: string, events: Event[]): { values: Map<string, number>; keys: Map<string, number> } {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  // Events arrive in source order nearly always, so the line is found by walking on from the
  // last one; a jump backwards (an alias points at an earlier anchor) falls back to a search.
  let line = 0;
  const locate = (offset: number): number => {
    if (offset < starts[line]!) {
      let lo = 0;
      let hi = line;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      line = lo;
    } else {
      while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
    }
    return (line + 1) * COLUMNS + (offset - starts[line]! + 1);
  };

  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  const stack: Frame[] = [];
  /** Pointer of the node an event opens, advancing the parent frame. Returns undefined for a map key. */
  const place = (): string | undefined => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'seq') return `${top.pointer}/${top.index++}`;
    if (top.pendingKey === undefined) return undefined;
    const p = `${top.pointer}/${escapePointerToken(top.pendingKey)}`;
    top.pendingKey = undefined;
    return p;
  };
  for (const ev of events) {
    switch (ev.type) {
      case EVENT_ID.SCALAR: {
        const pointer = place();
        const pos = locate(ev.valueStart >= 0 ? ev.valueStart : 0);
        if (pointer === undefined) {
          const top = stack[stack.length - 1]!;
          top.pendingKey = getScalarValue(source, ev);
          keys.set(`${top.pointer}/${escapePointerToken(top.pendingKey)}`, pos);
        } else values.set(pointer, pos);
        break;
      }
      case EVENT_ID.ALIAS: {
        const pointer = place();
        if (pointer !== undefined) values.set(pointer, locate(ev.anchorStart));
        else stack[stack.length - 1]!.pendingKey = '*alias';
        break;
      }
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        // A collection used as a mapping key is legal YAML but never valid here; give it a name that cannot match.
        const pointer = place() ?? `${stack[stack.length - 1]!.pointer}/[complex key]`;
        values.set(pointer, locate(ev.start));
        stack.push({ kind: ev.type === EVENT_ID.MAPPING ? 'map' : 'seq', pointer, index: 0 });
        break;
      }
      case EVENT_ID.POP:
        stack.pop();
        break;
      default:
        break;
    }
  }
  return { values, keys };
}

function yamlError(err: unknown, filename: string): YamlParse {
  if (err instanceof YAMLException) {
    const mark = err.mark;
    const reason = err.reason || err.message.split('\n')[0] || 'invalid YAML';
    return {
      ok: false,
      message: `${filename} is not valid YAML: ${reason}.`,
      position: mark ? { line: mark.line + 1, column: mark.column + 1 } : { line: 1, column: 1 },
    };
  }
  const text = err instanceof Error ? err.message : String(err);
  return { ok: false, message: `${filename} could not be read as YAML: ${text}`, position: { line: 1, column: 1 } };
}

/**
 * Node count of a value as a tree, with aliases expanded. Memoized per object, so a
 * billion-laughs document is measured in microseconds instead of being walked.
 */
function expandedSize(root: unknown, budget: number): number {
  const memo = new Map<object, number>();
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    memo.set(v, budget + 1); // a cycle counts as over budget
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += size(child);
      if (n > budget) break;
    }
    memo.set(v, n);
    return n;
  };
  return size(root);
}
