// The one place that says how certops's JSON schemas become ajv validators. Two ways use it and
// must agree: unbundled sources (tests, tsx) compile at runtime through compileValidator, and
// scripts/build.mjs generates standalone code with standaloneValidatorsModule for dist/, where
// compiling on every start cost the lint action ~150 ms of a cold start whose bar is 2.5x
// `node -e 0`. Only schema-validators.ts imports this module, and the build replaces that file,
// so no bundle contains ajv's compiler.
import { _, Ajv, type CodeOptions, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import lockSchema from '../../schema/certificates.lock.schema.json' with { type: 'json' };
import manifestSchema from '../../schema/certificates.schema.json' with { type: 'json' };
import policySchema from '../../schema/policy.schema.json' with { type: 'json' };

// Both are CommonJS with a default export; under NodeNext the function sits on `.default`.
type AddFormats = (ajv: Ajv, formats: string[]) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
type StandaloneCode = (ajv: Ajv, refs: Record<string, string>) => string;
const standaloneCode = ((standaloneCodeModule as unknown as { default?: StandaloneCode }).default ?? standaloneCodeModule) as unknown as StandaloneCode;

/** Each accessor that schema-validators.ts exports, and the schema behind it. */
export const SCHEMAS = {
  manifestValidator: manifestSchema,
  lockValidator: lockSchema,
  policyValidator: policySchema,
} as const;
export type ValidatorName = keyof typeof SCHEMAS;

const FORMATS = ['uri', 'email', 'date-time'];

/** schemaFindings reads parentSchema and data off the errors, hence verbose. */
function newAjv(code?: CodeOptions): Ajv {
  return addFormats(new Ajv({ allErrors: true, verbose: true, strict: false, allowUnionTypes: true, ...(code ? { code } : {}) }), FORMATS);
}

let runtimeAjv: Ajv | undefined;
const compiled = new Map<ValidatorName, ValidateFunction>();

/** One ajv for the process; a schema is compiled once, on first use. */
export function compileValidator(name: ValidatorName): ValidateFunction {
  let fn = compiled.get(name);
  if (!fn) {
    runtimeAjv ??= newAjv();
    fn = runtimeAjv.compile(SCHEMAS[name]);
    compiled.set(name, fn);
  }
  return fn;
}

/**
 * An ES module that exports the same accessors as schema-validators.ts, returning validators
 * generated ahead of time. It still require()s ajv's small runtime helpers (ucs2length, equal)
 * and ajv-formats' format functions, which the bundler resolves; that is why the build feeds it
 * to esbuild rather than to Node.
 */
export function standaloneValidatorsModule(): string {
  // Spelled out rather than left to ajv-formats, whose default depends on its version (a later
  // one emits a top-level `await import(...)` under code.esm); a require() of the CommonJS file
  // is what esbuild bundles as is.
  const ajv = newAjv({ source: true, esm: true, formats: _`require("ajv-formats/dist/formats").fullFormats` });
  const refs: Record<string, string> = {};
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    ajv.addSchema(schema);
    refs[standaloneExport(name)] = schema.$id;
  }
  const accessors = Object.keys(SCHEMAS).map((name) => `export function ${name}() { return ${standaloneExport(name)}; }`);
  return `${standaloneCode(ajv, refs)}\n${accessors.join('\n')}\n`;
}

function standaloneExport(name: string): string {
  return `standalone_${name}`;
}
