import { CORE_SCHEMA, constructFromEvents, getScalarValue, parseEvents, EVENT_ID, YAMLException, type Event } from 'js-yaml';

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

/** Offsets to 1-based line/column, by binary search over line starts. */
export function lineLocator(source: string): (offset: number) => Position {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

interface Frame {
  kind: 'map' | 'seq';
  pointer: string;
  index: number;
  /** For maps: the pending key, or undefined while a key is expected. */
  pendingKey?: string;
}

/**
 * Parses one YAML document and records where every node stands. The parse happens once:
 * the value is constructed from the same event stream the positions come from.
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
  const simple = readSimpleYaml(source);
  if (simple) return { ok: true, value: simple.value, positions: lazyPositions(source, filename) };
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

/**
 * A reader for the plain subset of YAML that lock files (written by certops) and most manifests
 * and policies are written in: block mappings and sequences, one-line flow collections, plain
 * and simple quoted scalars, comments. It is several times faster than building js-yaml's event
 * stream, which on a 10,000-certificate repository was a third of lint's time.
 *
 * It must give exactly what js-yaml gives, so it accepts only what it reads beyond doubt and
 * returns undefined for anything else (anchors, tags, block scalars, multi-line scalars, escapes,
 * tabs, odd indentation, duplicate keys...), which js-yaml then parses as before, errors
 * included. Plain scalars are resolved by js-yaml's own core schema. Positions are never
 * taken from here: the index is built from js-yaml's events when a finding needs one.
 */
export function readSimpleYaml(source: string): { value: unknown } | undefined {
  const schema = CORE_SCHEMA as { resolveImplicitScalarTag?: (text: string) => { value: unknown } };
  if (typeof schema.resolveImplicitScalarTag !== 'function') return undefined;
  // Printable characters of the basic plane and \n only: no tabs, \r, BOM, NEL or surrogates to reason about.
  if (/[^\n\x20-\x7E\u00A0-\uD7FF\uE000-\uFFFD]|^\uFEFF/.test(source)) return undefined;
  const plainValue = (text: string) => schema.resolveImplicitScalarTag!(text).value;
  const lines = source.split('\n');
  const FAIL = Symbol('fail');
  type Value = unknown;
  let at = 0;
  let nodes = 0;
  let depth = 0;

  const indentOf = (line: string) => {
    let n = 0;
    while (line.charCodeAt(n) === 32) n++;
    return n;
  };
  /** Moves past blank and comment-only lines. */
  const skip = () => {
    for (; at < lines.length; at++) {
      const line = lines[at]!;
      const n = indentOf(line);
      if (n === line.length || line.charCodeAt(n) === 35 /* # */) continue;
      break;
    }
  };
  const isItem = (text: string) => text === '-' || text.startsWith('- ');
  /** What may follow a value on its line: spaces, then nothing or a comment after at least one space. */
  const lineEnd = (rest: string) => rest === '' || /^ +(#.*)?$/.test(rest);

  // Plain scalars: no indicator first, nothing that could end or comment them inside.
  const PLAIN_FIRST = /^[^-?:,[\]{}#&*!|>'"%@` ]|^-[^ ,[\]{}]/;
  const plainBlock = (text: string): Value | typeof FAIL => {
    if (!PLAIN_FIRST.test(text) || /: |:$| #/.test(text) || text.endsWith(' ')) return FAIL;
    return plainValue(text);
  };
  const quoted = (text: string, from: number): { value: string; end: number } | undefined => {
    const q = text[from];
    if (q === '"') {
      const end = text.indexOf('"', from + 1);
      if (end === -1) return undefined;
      const body = text.slice(from + 1, end);
      return body.includes('\\') ? undefined : { value: body, end: end + 1 };
    }
    if (q === "'") {
      let i = from + 1;
      let body = '';
      for (;;) {
        const end = text.indexOf("'", i);
        if (end === -1) return undefined;
        body += text.slice(i, end);
        if (text[end + 1] === "'") {
          body += "'";
          i = end + 2;
          continue;
        }
        return { value: body, end: end + 1 };
      }
    }
    return undefined;
  };
  const mappingKey = (key: unknown, into: Record<string, unknown>): string | undefined => {
    if (typeof key !== 'string') return undefined;
    const name = key;
    if (name === '__proto__' || name === '<<' || name.length > 1000 || Object.prototype.hasOwnProperty.call(into, name)) return undefined;
    return name;
  };

  /** A one-line flow collection or flow scalar starting at text[i]; returns its value and where it ends. */
  const flow = (text: string, i: number, inFlow: boolean): { value: Value; end: number } | undefined => {
    if (++nodes > 1_000_000 || depth > 32) return undefined;
    const c = text[i];
    if (c === '"' || c === "'") return quoted(text, i);
    if (c === '[' || c === '{') {
      depth++;
      const isMap = c === '{';
      const out: unknown[] = [];
      const obj: Record<string, unknown> = {};
      let j = i + 1;
      const ws = () => {
        while (text[j] === ' ') j++;
      };
      ws();
      if (text[j] === (isMap ? '}' : ']')) {
        depth--;
        return { value: isMap ? obj : out, end: j + 1 };
      }
      for (;;) {
        ws();
        if (isMap) {
          const k = flow(text, j, true);
          if (!k || typeof k.value === 'object' && k.value !== null) return undefined;
          j = k.end;
          if (text[j] !== ':' || text[j + 1] !== ' ') return undefined;
          j += 2;
          ws();
          const v = flow(text, j, true);
          if (!v) return undefined;
          const name = mappingKey(k.value, obj);
          if (name === undefined) return undefined;
          obj[name] = v.value;
          j = v.end;
        } else {
          const v = flow(text, j, true);
          if (!v) return undefined;
          out.push(v.value);
          j = v.end;
        }
        ws();
        if (text[j] === ',') {
          j++;
          ws();
          if (text[j] === ']' || text[j] === '}' || text[j] === ',') return undefined;
          continue;
        }
        if (text[j] === (isMap ? '}' : ']')) {
          depth--;
          return { value: isMap ? obj : out, end: j + 1 };
        }
        return undefined;
      }
    }
    if (!inFlow) return undefined;
    // A plain scalar inside a flow collection: up to the next indicator that ends it.
    let j = i;
    for (; j < text.length; j++) {
      const ch = text[j]!;
      if (ch === ',' || ch === ']' || ch === '}') break;
      if (ch === '[' || ch === '{') return undefined;
      if (ch === ':' && (text[j + 1] === ' ' || text[j + 1] === ',' || text[j + 1] === ']' || text[j + 1] === '}' || j + 1 === text.length)) break;
      if (ch === '#' && text[j - 1] === ' ') return undefined;
    }
    const token = text.slice(i, j).trimEnd();
    if (token === '' || !PLAIN_FIRST.test(token)) return undefined;
    return { value: plainValue(token), end: i + token.length };
  };

  /** The value after `key: ` or `- ` on a line: a flow collection, a quoted or a plain scalar, then the end of the line. */
  const inline = (text: string): Value | typeof FAIL => {
    if (++nodes > 1_000_000) return FAIL;
    const c = text[0];
    if (c === '[' || c === '{' || c === '"' || c === "'") {
      const v = c === '"' || c === "'" ? quoted(text, 0) : flow(text, 0, false);
      return v && lineEnd(text.slice(v.end)) ? v.value : FAIL;
    }
    const comment = text.indexOf(' #');
    return plainBlock((comment === -1 ? text : text.slice(0, comment)).trimEnd());
  };
  /** `key:` and what follows the colon, for a block mapping entry. */
  const entry = (text: string): { key: unknown; rest: string } | undefined => {
    let key: unknown;
    let after: number;
    if (text[0] === '"' || text[0] === "'") {
      const q = quoted(text, 0);
      if (!q) return undefined;
      key = q.value;
      after = q.end;
      if (text[after] !== ':') return undefined;
    } else {
      const colon = /:(?: |$)/.exec(text);
      if (!colon) return undefined;
      after = colon.index;
      const token = text.slice(0, after);
      const v = plainBlock(token);
      if (v === FAIL) return undefined;
      key = v;
    }
    const rest = text.slice(after + 1);
    if (rest !== '' && rest[0] !== ' ') return undefined;
    const value = rest.trimStart();
    return { key, rest: value.startsWith('#') ? '' : value };
  };
  /** After a value written on its line, nothing may continue it on deeper lines. */
  const ended = (indent: number) => {
    skip();
    return at >= lines.length || indentOf(lines[at]!) <= indent;
  };

  const block = (indent: number): Value | typeof FAIL => {
    if (++depth > 32) return FAIL;
    const text = lines[at]!.slice(indent);
    const v = isItem(text) ? sequence(indent) : mapping(indent, undefined);
    depth--;
    return v;
  };
  /** The value of `key:` with nothing after the colon: a deeper block, a sequence at the key's indent, or null. */
  const child = (indent: number): Value | typeof FAIL => {
    skip();
    if (at >= lines.length) return null;
    const n = indentOf(lines[at]!);
    if (n > indent) return block(n);
    if (n === indent && isItem(lines[at]!.slice(n))) return sequence(indent);
    return null;
  };
  const mapping = (indent: number, first: string | undefined): Value | typeof FAIL => {
    const obj: Record<string, unknown> = {};
    for (let text = first; ; text = undefined) {
      if (text === undefined) {
        skip();
        if (at >= lines.length) break;
        const n = indentOf(lines[at]!);
        if (n < indent) break;
        if (n > indent) return FAIL;
        text = lines[at]!.slice(indent);
        if (isItem(text)) {
          // A sequence at the indent of the mapping's keys only belongs to the key before it (read by child).
          return FAIL;
        }
      }
      const e = entry(text);
      if (!e) return FAIL;
      const name = mappingKey(e.key, obj);
      if (name === undefined) return FAIL;
      at++;
      nodes++;
      let value: Value | typeof FAIL;
      if (e.rest === '') value = child(indent);
      else {
        value = inline(e.rest);
        if (value !== FAIL && !ended(indent)) return FAIL;
      }
      if (value === FAIL) return FAIL;
      obj[name] = value;
    }
    return obj;
  };
  const sequence = (indent: number): Value | typeof FAIL => {
    const out: unknown[] = [];
    for (;;) {
      skip();
      if (at >= lines.length) break;
      const line = lines[at]!;
      const n = indentOf(line);
      if (n < indent) break;
      if (n > indent) return FAIL;
      const text = line.slice(indent);
      if (!isItem(text)) break;
      if (text === '-') return FAIL;
      const pad = indentOf(text.slice(1));
      const content = text.slice(1 + pad);
      const column = indent + 1 + pad;
      if (content === '' || content.startsWith('#') || isItem(content)) return FAIL;
      nodes++;
      let value: Value | typeof FAIL;
      const c = content[0];
      if (c !== '[' && c !== '{' && entry(content)) {
        if (++depth > 32) return FAIL;
        value = mapping(column, content);
        depth--;
      } else {
        value = inline(content);
        at++;
        if (value !== FAIL && !ended(indent)) return FAIL;
      }
      if (value === FAIL) return FAIL;
      out.push(value);
    }
    return out;
  };

  skip();
  if (at >= lines.length) return undefined;
  const top = indentOf(lines[at]!);
  const first = lines[at]!.slice(top);
  if (top === 0 && (first.startsWith('---') || first.startsWith('...') || first.startsWith('%'))) return undefined;
  const value = block(top);
  if (value === FAIL) return undefined;
  skip();
  return at >= lines.length && typeof value === 'object' && value !== null ? { value } : undefined;
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
