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
  { out: 'cli/index', entry: 'src/cli/index.ts', cli: true },
];

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
const result = await build({
  absWorkingDir: root,
  entryPoints: BUNDLES.map((b) => ({ in: b.entry, out: b.out })),
  outdir: 'dist',
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
});

const failures = [];
for (const bundle of BUNDLES) {
  const meta = result.metafile.outputs[`dist/${bundle.out}.js`];
  if (!meta) throw new Error(`esbuild produced no dist/${bundle.out}.js`);
  for (const pkg of [...FORBID_EVERYWHERE, ...(bundle.forbid ?? [])]) {
    const hits = Object.keys(meta.inputs).filter((p) => p.startsWith(`node_modules/${pkg}/`));
    if (hits.length) failures.push(`dist/${bundle.out}.js must not include ${pkg}, but it bundles ${hits[0]} (and ${hits.length - 1} more files); find the import that pulls it in.`);
  }
}
if (failures.length) {
  for (const f of failures) console.error(`build: ${f}`);
  process.exit(1);
}

rmSync(distDir, { recursive: true, force: true });
for (const file of result.outputFiles) {
  const rel = relative(root, file.path).split('\\').join('/');
  const bundle = BUNDLES.find((b) => `dist/${b.out}.js` === rel);
  mkdirSync(dirname(file.path), { recursive: true });
  if (bundle?.cli) {
    writeFileSync(file.path, `#!/usr/bin/env node\n${file.text}`);
    chmodSync(file.path, 0o755);
  } else {
    writeFileSync(file.path, file.contents);
  }
  console.log(`${rel}  ${(file.contents.length / 1024).toFixed(0)} KiB`);
}
