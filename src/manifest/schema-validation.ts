import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Finding } from '../findings.js';
import { didYouMean } from './did-you-mean.js';
import { escapePointerToken, type PositionIndex } from './yaml-source.js';

interface SchemaNode {
  properties?: Record<string, unknown>;
  description?: string;
}

/** Validates a parsed YAML value and turns every schema error into a finding at its file:line. */
export function schemaFindings(
  validate: ValidateFunction,
  value: unknown,
  positions: PositionIndex,
  file: string,
  ruleId: string,
): Finding[] {
  if (validate(value)) return [];
  const errors = pruneErrors(validate.errors ?? []);
  return errors.map((e) => toFinding(e, positions, file, ruleId));
}

/**
 * ajv reports every branch it tried; people want the one that explains the problem.
 * Drop "must match a schema in anyOf"-style summaries when a more specific error exists.
 */
function pruneErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if ((e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'if') && errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath))) continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

function describePath(pointer: string): string {
  if (pointer === '') return 'the document';
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, t) => (/^\d+$/.test(t) ? `${acc}[${t}]` : acc ? `${acc}.${t}` : t), '');
}

function toFinding(e: ErrorObject, positions: PositionIndex, file: string, ruleId: string): Finding {
  const at = describePath(e.instancePath);
  let pointer = e.instancePath;
  let pos = positions.value(pointer) ?? positions.nearest(pointer);
  let message: string;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      pointer = `${e.instancePath}/${escapePointerToken(key)}`;
      pos = positions.key(pointer) ?? pos;
      const allowed = Object.keys((e.parentSchema as SchemaNode | undefined)?.properties ?? {});
      const guess = didYouMean(key, allowed);
      message = `Unknown key "${key}" in ${at}.` + (guess ? ` Did you mean "${guess}"?` : allowed.length ? ` Allowed keys: ${allowed.join(', ')}.` : '');
      break;
    }
    case 'required': {
      const missing = String(params.missingProperty);
      message = `${at} is missing the required key "${missing}".`;
      pos = positions.value(e.instancePath) ?? pos;
      break;
    }
    case 'type':
      message = `${at} must be ${article(String(params.type))}.`;
      break;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const guess = typeof valueAt(e) === 'string' ? didYouMean(String(valueAt(e)), (params.allowedValues as unknown[]).map(String)) : undefined;
      message = `${at} must be one of ${allowed.join(', ')}.` + (guess ? ` Did you mean "${guess}"?` : '');
      break;
    }
    case 'const':
      message = `${at} must be ${JSON.stringify(params.allowedValue)}.`;
      break;
    case 'pattern': {
      const desc = (e.parentSchema as SchemaNode | undefined)?.description;
      message = `${at} has the value ${JSON.stringify(valueAt(e))}, which is not valid.` + (desc ? ` Expected: ${desc}` : ` It must match ${String(params.pattern)}.`);
      break;
    }
    case 'propertyNames': {
      const name = String(params.propertyName);
      pointer = `${e.instancePath}/${escapePointerToken(name)}`;
      pos = positions.key(pointer) ?? pos;
      message = `"${name}" is not a valid name in ${at}: use lower-case letters, digits, '.', '_' and '-', starting and ending with a letter or digit.`;
      break;
    }
    case 'format':
      message = `${at} must be a valid ${String(params.format)}, not ${JSON.stringify(valueAt(e))}.`;
      break;
    case 'uniqueItems':
      message = `${at} lists the same value twice (items ${String(params.j)} and ${String(params.i)}); remove the duplicate.`;
      break;
    case 'minItems':
      message = `${at} must list at least ${String(params.limit)} item(s).`;
      break;
    case 'minimum':
    case 'maximum':
    case 'minLength':
    case 'maxLength':
    case 'minProperties':
      message = `${at} ${e.message ?? 'is out of range'}.`;
      break;
    default:
      message = `${at} ${e.message ?? 'is not valid'}.`;
  }
  return { ruleId, severity: 'error', message, file, line: pos.line, column: pos.column, path: pointer };
}

function valueAt(e: ErrorObject): unknown {
  return (e as ErrorObject & { data?: unknown }).data;
}

function article(type: string): string {
  const list = type.split(',');
  const one = (t: string) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : t === 'integer' ? 'an integer' : `a ${t}`);
  return list.map(one).join(' or ');
}
