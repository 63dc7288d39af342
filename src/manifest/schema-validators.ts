// The validators for certificates.yaml, certificates.lock.yaml and policy files. This file is
// what unbundled sources (tests, tsx) run: it compiles on first use. scripts/build.mjs replaces
// it in every bundle with standalone code generated from the same schemas and ajv options
// (standaloneValidatorsModule in schema-compile.ts), so bundles never start ajv's compiler;
// test/unit/schema-validators.test.ts holds the two to the same exports and the same errors.
// Keep the exports to these accessors: the generated module provides nothing else.
import type { ValidateFunction } from 'ajv';
import { compileValidator } from './schema-compile.js';

export function manifestValidator(): ValidateFunction {
  return compileValidator('manifestValidator');
}

export function lockValidator(): ValidateFunction {
  return compileValidator('lockValidator');
}

export function policyValidator(): ValidateFunction {
  return compileValidator('policyValidator');
}
