// Bundles validate with standalone code that scripts/build.mjs generates (standaloneValidatorsModule);
// the sources validate with validators compiled at runtime (schema-validators.ts). Findings are built
// from ajv's error objects, parentSchema and data included, so the two must produce the same errors
// for the same document, not merely agree on valid or invalid.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { build } from 'esbuild';
import { SCHEMAS, standaloneValidatorsModule, type ValidatorName } from '../../src/manifest/schema-compile.js';
import * as runtime from '../../src/manifest/schema-validators.js';
import { tempDir } from '../helpers/lint-repo.js';

type Accessors = Record<ValidatorName, () => ValidateFunction>;

const certificate = { name: 'api', issuer: 'internal', commonName: 'api.example.com', dnsNames: ['api.example.com'] };
const lockEntry = {
  serial: '0a1b',
  sha256: 'a'.repeat(64),
  spkiSha256: `${'A'.repeat(43)}=`,
  notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2026-04-01T00:00:00Z',
  issuer: 'internal',
  issuerDN: 'CN=Internal CA',
  certificate: 'certs/api/cert.pem',
  key: 'certs/api/key.pem.age',
  specHash: `sha256:${'b'.repeat(64)}`,
  issuedAt: '2026-01-01T00:00:00Z',
};

/** Valid documents and documents that break every kind of constraint the schemas use. */
const DOCUMENTS: Record<ValidatorName, unknown[]> = {
  manifestValidator: [
    { version: 1, issuers: { internal: { ca: { certificate: 'pki/ca.pem', privateKey: 'pki/ca.key.age' } } }, certificates: [certificate] },
    { version: 2, colour: 'blue' },
    null,
    [],
    'version: 1',
    { version: 1, certificates: {} },
    {
      version: 1,
      recipients: ['age1nope', 'age1nope'],
      owners: { Payments: [], ok: ['bad owner!'] },
      defaults: { issuer: 'Internal', duration: '90 days', renewBeforePercentage: 100, privateKey: { algorithm: 'rsa', size: 0 }, usages: ['server auth', 'server auth', 'flying'] },
      issuers: {
        empty: {},
        acme: { acme: { directory: 'not a uri', email: 'not-an-email', solvers: [] } },
        cfssl: { cfssl: { url: 'https://cfssl.example.com:8888' }, ca: { certificate: 'pki/ca.pem' } },
        '-bad-': { publiclyTrusted: 'yes' },
      },
      targets: { edge: { files: { dir: '/etc/certs', keyMode: '999' } }, other: { unknown: true } },
      certificates: [
        { ...certificate, commonName: 'x'.repeat(65), dnsNames: ['', 'a', 'a'], ipAddresses: ['1'], uris: ['::not a uri'], emailAddresses: ['nobody'] },
        { name: 42, renewBeforePercentage: 0, labels: { env: 1 }, deploy: ['edge', 'edge'], owners: 'payments', colour: 'blue' },
        { commonName: '' },
        'api',
      ],
    },
  ],
  lockValidator: [
    { version: 1, certificates: { api: lockEntry } },
    { certificates: [] },
    {
      version: 1,
      extra: true,
      certificates: {
        'Not-A-Name': lockEntry,
        api: { ...lockEntry, serial: '0X1B', sha256: 'short', notBefore: 'yesterday', notAfter: '2026-13-01T00:00:00Z', issuedAt: 7, stray: 1 },
        web: { serial: '01' },
      },
    },
  ],
  policyValidator: [
    { version: 1, rules: { 'issued-state': { severity: 'error' }, 'renewal-window': { severity: 'warning', minFraction: 0.5 } } },
    { version: 1 },
    {
      version: 1,
      approvers: ['alice', 7],
      select: { names: 'api', labels: { env: 1 }, owners: [] },
      rules: {
        'renewal-window': { severity: 'warn', minFraction: 0 },
        'max-sans': { max: true },
        'rotation-policy': { severity: 'error', require: 'Sometimes', extra: 1 },
        'deploy-targets': { severity: 'error', minFraction: 1, required: 'yes' },
        'no-such-rule': { severity: 'error' },
      },
    },
  ],
};

const work = tempDir('standalone-validators');
let standalone: Accessors;

before(async () => {
  // Bundled as the build bundles it: the generated code require()s ajv's runtime helpers and
  // ajv-formats' formats, which only a bundler resolves inside an ES module.
  const out = await build({
    stdin: { contents: standaloneValidatorsModule(), resolveDir: join(process.cwd(), 'src', 'manifest'), loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    logLevel: 'error',
  });
  const file = join(work.dir, 'validators.mjs');
  writeFileSync(file, out.outputFiles[0]!.text);
  standalone = (await import(pathToFileURL(file).href)) as Accessors;
});
after(work.remove);

it('schema-validators.ts exports exactly the accessors the generated module provides', () => {
  assert.deepEqual(Object.keys(runtime).sort(), Object.keys(SCHEMAS).sort());
  for (const name of Object.keys(SCHEMAS) as ValidatorName[]) assert.equal(typeof standalone[name], 'function', name);
});

it('generates the same code every time (dist/ must depend on the sources alone)', () => {
  assert.equal(standaloneValidatorsModule(), standaloneValidatorsModule());
});

describe('standalone validators report what the runtime-compiled ones report', () => {
  const keywords = new Set<string>();
  for (const name of Object.keys(DOCUMENTS) as ValidatorName[]) {
    it(name, () => {
      DOCUMENTS[name].forEach((doc, i) => {
        const compiled = runtime[name]();
        const generated = standalone[name]();
        const valid = compiled(doc);
        const errors = compiled.errors;
        assert.equal(generated(doc), valid, `document ${i}`);
        assert.deepEqual(generated.errors, errors, `document ${i}`);
        assert.equal(valid, i === 0, `document ${i} is ${i === 0 ? 'the valid one' : 'broken'}`);
        for (const e of (errors ?? []) as ErrorObject[]) keywords.add(e.keyword);
      });
    });
  }

  it('the documents exercise every keyword schemaFindings words a message for', () => {
    const handled = ['additionalProperties', 'required', 'type', 'enum', 'const', 'pattern', 'propertyNames', 'format', 'uniqueItems', 'minItems', 'minimum', 'maximum', 'minLength', 'maxLength', 'minProperties'];
    assert.deepEqual(handled.filter((k) => !keywords.has(k)), []);
    assert.ok(keywords.has('exclusiveMinimum'), 'a keyword schemaFindings words generically is covered too');
  });
});
