import { createRequire } from 'node:module';
import addFormatsModule from 'ajv-formats';
import Ajv04Module from 'ajv-draft-04';

// The OASIS SARIF 2.1.0 schema (rtm.5, the published standard) as Microsoft's SARIF SDK ships
// it in @microsoft/jest-sarif. It is a draft-04 schema, which Ajv 8 reads only through ajv-draft-04.
const require = createRequire(import.meta.url);
const sarifSchema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json') as object;

type Validate = ((data: unknown) => boolean) & { errors?: unknown };
type AjvLike = { compile(schema: object): Validate };
const Ajv04 = ((Ajv04Module as unknown as { default?: unknown }).default ?? Ajv04Module) as new (opts: object) => AjvLike;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: AjvLike) => AjvLike;

// unicodeRegExp off: the schema's pattern for `language` has a stray `]` that is legal only
// outside unicode mode, as in the JSON Schema validators the SARIF authors used.
export const validateSarif: Validate = addFormats(new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false })).compile(sarifSchema);

/** Why a value is not a SARIF 2.1.0 log, or undefined when it is one. */
export function sarifSchemaErrors(log: unknown): string | undefined {
  return validateSarif(log) ? undefined : JSON.stringify(validateSarif.errors, null, 2);
}
