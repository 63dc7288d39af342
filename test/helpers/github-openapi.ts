import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under NodeNext the function sits on `.default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

/** The ajv key of GitHub's document; refs into it read `github#/components/...`. */
const DOC = 'github';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  /** JSON pointer of the parameter's schema inside the document. */
  schemaPointer: string;
  schemaType?: string;
}

/** One operation of GitHub's REST description. */
export interface Operation {
  method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/pulls`. */
  template: string;
  operationId: string;
  parameters: Parameter[];
  /** Pointer of the JSON request body schema, when the operation takes a body. */
  bodyPointer?: string;
  bodyRequired: boolean;
  /** Status code -> pointer of the JSON response schema (undefined: no JSON content declared). */
  responses: Map<string, string | undefined>;
}

export interface RouteMatch {
  operation: Operation;
  pathParams: Record<string, string>;
}

/**
 * GitHub's published OpenAPI description (from @octokit/openapi) as a validator: finds the operation
 * for a method and path, and checks path parameters, query, request body and response body against it.
 * Every check returns a list of problems; an empty list means GitHub's description accepts it.
 */
export class GitHubOpenApi {
  readonly version: string;
  private readonly doc: JsonObject;
  private readonly ajv: Ajv;
  private readonly routes: { method: string; regex: RegExp; names: string[]; literalCount: number; operation: Operation }[] = [];
  private readonly validators = new Map<string, ValidateFunction>();

  private constructor(doc: JsonObject) {
    this.doc = doc;
    const info = doc.info as JsonObject;
    this.version = `${String(doc.openapi)} / ${String(info.version)}`;
    // The description is OpenAPI 3.0: `nullable: true` instead of JSON Schema's null type.
    if (!String(doc.openapi).startsWith('3.0')) throw new Error(`github-openapi: expected an OpenAPI 3.0 document, got ${String(doc.openapi)}; revisit the nullable handling`);
    rewriteNullable(doc);
    // strict: false because OpenAPI adds keywords JSON Schema lacks (example, x-github-*); they carry no constraints.
    this.ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    addFormats(this.ajv);
    this.ajv.addFormat('repo.nwo', /^[^/\s]+\/[^/\s]+$/);
    this.ajv.addSchema(doc as object, DOC);
    this.indexRoutes();
  }

  private static instance: GitHubOpenApi | undefined;

  /** Loads api.github.com.json once per process (about half a second). */
  static load(): GitHubOpenApi {
    if (!GitHubOpenApi.instance) {
      const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
      GitHubOpenApi.instance = new GitHubOpenApi(JSON.parse(readFileSync(file, 'utf8')) as JsonObject);
    }
    return GitHubOpenApi.instance;
  }

  /** The operation for a method and concrete path; literal segments win over parameters, as on GitHub. */
  match(method: string, pathname: string): RouteMatch | undefined {
    const upper = method.toUpperCase();
    let best: (typeof this.routes)[number] | undefined;
    let bestGroups: string[] = [];
    for (const route of this.routes) {
      if (route.method !== upper) continue;
      const m = route.regex.exec(pathname);
      if (!m) continue;
      if (!best || route.literalCount > best.literalCount) {
        best = route;
        bestGroups = m.slice(1);
      }
    }
    if (!best) return undefined;
    const pathParams: Record<string, string> = {};
    best.names.forEach((name, i) => {
      pathParams[name] = decodeURIComponent(bestGroups[i] ?? '');
    });
    return { operation: best.operation, pathParams };
  }

  /** The operation by method and template, e.g. ('POST', '/repos/{owner}/{repo}/pulls'). */
  operation(method: string, template: string): Operation {
    const op = this.routes.find((r) => r.method === method.toUpperCase() && r.operation.template === template)?.operation;
    if (!op) throw new Error(`github-openapi: no operation ${method} ${template} in GitHub's description`);
    return op;
  }

  /**
   * Checks a request: path parameters, query (unknown parameters are reported: GitHub ignores
   * them silently, which hides typos), and the JSON body (unknown top-level fields are reported
   * for the same reason).
   */
  validateRequest(operation: Operation, request: { pathParams: Record<string, string>; query: URLSearchParams; body: unknown }): string[] {
    const problems: string[] = [];
    const declared = new Set<string>();
    for (const p of operation.parameters) {
      if (p.in === 'path') {
        const raw = request.pathParams[p.name];
        if (raw === undefined) problems.push(`path parameter ${p.name} is missing`);
        else problems.push(...this.check(p.schemaPointer, coerce(raw, p.schemaType), `path parameter ${p.name}`));
      } else if (p.in === 'query') {
        declared.add(p.name);
        const values = request.query.getAll(p.name);
        if (values.length === 0) {
          if (p.required) problems.push(`query parameter ${p.name} is required`);
          continue;
        }
        if (values.length > 1) problems.push(`query parameter ${p.name} is given ${values.length} times`);
        problems.push(...this.check(p.schemaPointer, coerce(values[0]!, p.schemaType), `query parameter ${p.name}`));
      }
    }
    for (const name of new Set(request.query.keys())) {
      if (!declared.has(name)) problems.push(`query parameter ${name} is not a parameter of ${operation.operationId}`);
    }
    if (request.body === undefined) {
      if (operation.bodyRequired) problems.push(`${operation.operationId} requires a JSON body`);
    } else if (!operation.bodyPointer) {
      problems.push(`${operation.operationId} takes no request body`);
    } else {
      problems.push(...this.check(operation.bodyPointer, request.body, 'request body'));
      const known = this.declaredProperties(operation.bodyPointer);
      if (known && request.body && typeof request.body === 'object' && !Array.isArray(request.body)) {
        for (const key of Object.keys(request.body)) {
          if (!known.has(key)) problems.push(`request body field "${key}" is not in ${operation.operationId}'s schema (GitHub ignores it silently)`);
        }
      }
    }
    return problems;
  }

  /** Checks a response: the status must be one GitHub documents for the operation, and the JSON body must match its schema. */
  validateResponse(operation: Operation, status: number, body: unknown): string[] {
    const key = String(status);
    if (!operation.responses.has(key)) {
      if (operation.responses.has('default')) return body === undefined ? [] : this.check(operation.responses.get('default')!, body, `response ${status}`);
      return [`status ${status} is not a documented response of ${operation.operationId} (documented: ${[...operation.responses.keys()].join(', ')})`];
    }
    const pointer = operation.responses.get(key);
    if (!pointer) return [];
    if (body === undefined) return [`response ${status} of ${operation.operationId} must have a JSON body`];
    return this.check(pointer, body, `response ${status}`);
  }

  /** Checks any value against a schema of the document by pointer, e.g. `/components/schemas/pull-request`. */
  check(pointer: string, value: unknown, what = 'value'): string[] {
    let validate = this.validators.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOC}#${encodePointer(pointer)}` });
      this.validators.set(pointer, validate);
    }
    if (validate(value)) return [];
    return summarize(validate.errors ?? []).map((e) => `${what}: ${e}`);
  }

  private declaredProperties(pointer: string): Set<string> | undefined {
    const names = new Set<string>();
    const visit = (node: Json | undefined, depth: number): boolean => {
      if (!node || typeof node !== 'object' || Array.isArray(node) || depth > 8) return false;
      if (typeof node.$ref === 'string') return visit(this.at(node.$ref.slice(1)), depth + 1);
      let found = false;
      if (node.properties && typeof node.properties === 'object' && !Array.isArray(node.properties)) {
        for (const k of Object.keys(node.properties)) names.add(k);
        found = true;
      }
      for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
        const list = node[k];
        if (Array.isArray(list)) for (const sub of list) found = visit(sub, depth + 1) || found;
      }
      return found;
    };
    return visit(this.at(pointer), 0) ? names : undefined;
  }

  private at(pointer: string): Json | undefined {
    let node: Json | undefined = this.doc;
    for (const raw of pointer.split('/').slice(1)) {
      const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
      node = node[part];
    }
    return node;
  }

  /** Follows OpenAPI `$ref`s (parameters, responses) to the object and the pointer where it lives. */
  private deref(node: Json | undefined, pointer: string): { node: JsonObject; pointer: string } | undefined {
    let current = node;
    let where = pointer;
    for (let i = 0; i < 10 && current && typeof current === 'object' && !Array.isArray(current); i++) {
      if (typeof current.$ref !== 'string') return { node: current, pointer: where };
      where = current.$ref.slice(1);
      current = this.at(where);
    }
    return undefined;
  }

  private indexRoutes(): void {
    const paths = this.doc.paths as JsonObject;
    for (const [template, item] of Object.entries(paths)) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) continue;
      const names: string[] = [];
      let literalCount = 0;
      const pattern = template.split('/').map((segment) => {
        const m = /^\{(.+)\}$/.exec(segment);
        if (m) {
          names.push(m[1]!);
          return '([^/]+)';
        }
        if (segment) literalCount++;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }).join('/');
      const regex = new RegExp(`^${pattern}$`);
      const itemPointer = `/paths/${escapeToken(template)}`;
      const shared = Array.isArray(item.parameters) ? item.parameters : [];
      for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']) {
        const op = item[method];
        if (!op || typeof op !== 'object' || Array.isArray(op)) continue;
        const opPointer = `${itemPointer}/${method}`;
        const parameters: Parameter[] = [];
        const own = Array.isArray(op.parameters) ? op.parameters : [];
        const all: [Json, string][] = [
          ...shared.map((p, i) => [p, `${itemPointer}/parameters/${i}`] as [Json, string]),
          ...own.map((p, i) => [p, `${opPointer}/parameters/${i}`] as [Json, string]),
        ];
        for (const [raw, where] of all) {
          const p = this.deref(raw, where);
          if (!p) continue;
          const schema = p.node.schema as JsonObject | undefined;
          parameters.push({
            name: String(p.node.name),
            in: p.node.in as Parameter['in'],
            required: p.node.required === true,
            schemaPointer: `${p.pointer}/schema`,
            ...(schema && typeof schema.type === 'string' ? { schemaType: schema.type } : {}),
          });
        }
        let bodyPointer: string | undefined;
        let bodyRequired = false;
        const rb = this.deref(op.requestBody, `${opPointer}/requestBody`);
        if (rb) {
          bodyRequired = rb.node.required === true;
          const content = rb.node.content as JsonObject | undefined;
          if (content && content['application/json']) bodyPointer = `${rb.pointer}/content/${escapeToken('application/json')}/schema`;
        }
        const responses = new Map<string, string | undefined>();
        for (const [status, raw] of Object.entries((op.responses as JsonObject | undefined) ?? {})) {
          const r = this.deref(raw, `${opPointer}/responses/${status}`);
          const content = r?.node.content as JsonObject | undefined;
          const json = content?.['application/json'] as JsonObject | undefined;
          responses.set(status, r && json?.schema ? `${r.pointer}/content/${escapeToken('application/json')}/schema` : undefined);
        }
        this.routes.push({
          method: method.toUpperCase(),
          regex,
          names,
          literalCount,
          operation: { method: method.toUpperCase(), template, operationId: String(op.operationId), parameters, bodyRequired, responses, ...(bodyPointer ? { bodyPointer } : {}) },
        });
      }
    }
  }
}

/**
 * OpenAPI 3.0's `nullable: true` means "or null"; JSON Schema (ajv) knows only the null type, and
 * ajv's own `nullable` support refuses schemas without `type` (GitHub's `allOf: [$ref]` pattern).
 * So every nullable schema becomes `anyOf: [itself, {type: null}]`, in place, once.
 */
export function rewriteNullable(node: unknown): unknown {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) node[i] = rewriteNullable(node[i]);
    return node;
  }
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  for (const key of Object.keys(obj)) obj[key] = rewriteNullable(obj[key]);
  if (obj.nullable === true) {
    const { nullable: _nullable, ...rest } = obj;
    return { anyOf: [rest, { type: 'null' }] };
  }
  return obj;
}

function coerce(raw: string, type: string | undefined): unknown {
  if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

/**
 * ajv reports every failed branch of every anyOf; for a person the useful lines are the leaf
 * failures (required, type, enum, format) with their instance path.
 */
function summarize(errors: ErrorObject[]): string[] {
  const leaves = errors.filter((e) => !['anyOf', 'oneOf', 'allOf', '$ref', 'if'].includes(e.keyword));
  const useful = leaves.filter((e) => !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null'));
  const chosen = useful.length > 0 ? useful : errors;
  const lines = chosen.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues?: unknown }).allowedValues)})` : ''}`);
  return [...new Set(lines)];
}

function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** ajv reads the fragment as a URI fragment: braces and the like must be percent-encoded. */
function encodePointer(pointer: string): string {
  return pointer.split('/').map((p) => encodeURIComponent(p).replace(/%7E/gi, '~')).join('/');
}
