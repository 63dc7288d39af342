#!/usr/bin/env node
// Builds every bundle in dist/ with one esbuild call. GitHub runs the committed dist/ as it is
// and CI rebuilds and diffs it, so the output must depend on the sources alone: no timestamps,
// no absolute paths, no source maps.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One row per bundle: `out` is its path under dist/ without `.js`. `cli` bundles get a shebang
 * and the executable bit; `forbid` names packages that must stay out of the bundle (the lint
 * action's cold start is a promise to users).
 */
const BUNDLES = [
  { out: 'lint/index', entry: 'src/actions/entries/lint.ts', forbid: ['acme-client', 'octokit', '@octokit/core', 'undici', '@peculiar/x509'] },
  { out: 'renew/index', entry: 'src/actions/entries/renew.ts' },
  { out: 'deploy/index', entry: 'src/actions/entries/deploy.ts' },
  { out: 'report/index', entry: 'src/actions/entries/report.ts' },
  { out: 'main/index', entry: 'src/actions/entries/main.ts' },
];

/**
 * The CLI is split: dist/cli/index.js plus dist/cli/chunks/, one per command and what commands
 * share, loaded when a command runs. As one file, every `certops` start parsed acme-client,
 * octokit and the deploy code: `certops --help` took 120 ms on Node 24 against 30 for node itself.
 * The actions stay single files, each loading only its own code anyway.
 */
const CLI = { out: 'index', entry: 'src/cli/index.ts', outdir: 'dist/cli' };

/** Out of every bundle: ajv's compiler. Bundles validate with code generated at build time (below). */
const FORBID_EVERYWHERE = ['ajv/dist/compile'];

// ESM bundles keep CommonJS dependencies as they are, and those call require(): give them one.
const BANNER = "import { createRequire as __certopsCreateRequire } from 'node:module';\nconst require = __certopsCreateRequire(import.meta.url);";

/**
 * Imports whose top level only defines things, though esbuild must assume otherwise. Marked
 * free of side effects, they are dropped from a bundle that uses none of their exports, and
 * kept, unchanged, in one that does. Without this, @actions/core's getIDToken and platform
 * support (http-client, which loads undici, and exec) and @actions/github's octokit client
 * are evaluated on every start of the lint action, which needs only core's commands and the
 * github context: ~110 ms of a cold start whose bar is 2.5x `node -e 0`.
 */
const PURE_IMPORTS = [
  { path: /^@actions\/(http-client|exec|io)(\/|$)/ },
  { path: /^@octokit\// },
  { path: /^\.\/utils\.js$/, importer: /node_modules[\\/]@actions[\\/]github[\\/]lib[\\/]github\.js$/ },
];
const pureImports = {
  name: 'pure-imports',
  setup(b) {
    for (const rule of PURE_IMPORTS) {
      b.onResolve({ filter: rule.path }, async (args) => {
        if (args.pluginData?.resolving || (rule.importer && !rule.importer.test(args.importer))) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: { resolving: true } });
        if (r.errors.length) return { errors: r.errors };
        return { path: r.path, external: r.external, namespace: r.namespace, sideEffects: false };
      });
    }
  },
};

/**
 * Bundles get src/manifest/schema-validators.ts as validators generated here, ahead of time, by
 * ajv's standalone code (see src/manifest/schema-compile.ts): compiling the schemas when the
 * lint action starts cost ~150 ms. The generator is the TypeScript the tests run, loaded through
 * tsx, so the options and schemas cannot differ between the two; nothing is written to disk.
 */
const VALIDATORS = /[\\/]src[\\/]manifest[\\/]schema-validators\.ts$/;
const standaloneValidators = {
  name: 'standalone-validators',
  setup(b) {
    let generated;
    b.onLoad({ filter: VALIDATORS }, async (args) => {
      generated ??= tsImport('../src/manifest/schema-compile.ts', import.meta.url).then((m) => m.standaloneValidatorsModule());
      return { contents: await generated, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

const distDir = join(root, 'dist');
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  banner: { js: BANNER },
  minify: true,
  legalComments: 'eof',
  sourcemap: false,
  metafile: true,
  write: false,
  logLevel: 'warning',
  plugins: [pureImports, standaloneValidators],
};
const result = await build({ ...common, entryPoints: BUNDLES.map((b) => ({ in: b.entry, out: b.out })), outdir: 'dist' });
const cliResult = await build({ ...common, entryPoints: [{ in: CLI.entry, out: CLI.out }], outdir: CLI.outdir, splitting: true, chunkNames: 'chunks/[name]-[hash]' });

const failures = [];
const forbidden = (out, inputs, packages) => {
  for (const pkg of packages) {
    const hits = Object.keys(inputs).filter((p) => p.startsWith(`node_modules/${pkg}/`));
    if (hits.length) failures.push(`${out} must not include ${pkg}, but it bundles ${hits[0]} (and ${hits.length - 1} more files); find the import that pulls it in.`);
  }
};
for (const bundle of BUNDLES) {
  const meta = result.metafile.outputs[`dist/${bundle.out}.js`];
  if (!meta) throw new Error(`esbuild produced no dist/${bundle.out}.js`);
  forbidden(`dist/${bundle.out}.js`, meta.inputs, [...FORBID_EVERYWHERE, ...(bundle.forbid ?? [])]);
}
const cliEntry = `${CLI.outdir}/${CLI.out}.js`;
if (!cliResult.metafile.outputs[cliEntry]) throw new Error(`esbuild produced no ${cliEntry}`);
for (const [out, meta] of Object.entries(cliResult.metafile.outputs)) forbidden(out, meta.inputs, FORBID_EVERYWHERE);
if (failures.length) {
  for (const f of failures) console.error(`build: ${f}`);
  process.exit(1);
}

rmSync(distDir, { recursive: true, force: true });
for (const file of [...result.outputFiles, ...cliResult.outputFiles]) {
  const rel = relative(root, file.path).split('\\').join('/');
  mkdirSync(dirname(file.path), { recursive: true });
  if (rel === cliEntry) {
    writeFileSync(file.path, `#!/usr/bin/env node\n${file.text}`);
    chmodSync(file.path, 0o755);
  } else {
    writeFileSync(file.path, file.contents);
  }
  console.log(`${rel}  ${(file.contents.length / 1024).toFixed(0)} KiB`);
}
