// One esbuild script for every bundle: the CLI/daemon/worker (Node, CommonJS), the VS Code client
// (CommonJS, `vscode` external), the ESM-only libraries they import at run time (Node, ESM) and
// the webview scripts (browser, IIFE). Entries that do not exist yet are skipped so the build
// works at every stage of the repository. The .vsix has no node_modules: whatever a bundle imports
// must be in dist/ (test/unit/package-bundle.test.ts checks it).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// ESM-only libraries with top-level await (a CommonJS bundle cannot hold them), loaded with a
// dynamic import(): each becomes an ESM bundle in dist/server (shared code in chunks/) and the
// node bundles import it by relative path, so it resolves inside the extension folder.
const ESM_LIBS = { vega: 'vega.mjs', 'vega-lite': 'vega-lite.mjs' };
function esmLibsPlugin() {
  const filter = new RegExp(`^(${Object.keys(ESM_LIBS).join('|')})$`);
  return { name: 'esm-libs', setup: (b) => b.onResolve({ filter }, (a) => ({ path: `./${ESM_LIBS[a.path]}`, external: true })) };
}

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // tfjs's packages mark their registration modules side-effect free; honouring that drops the
  // backend registrations, so annotations are ignored.
  ignoreAnnotations: true,
  // Native backends are optional and loaded at run time from the user's node_modules when present.
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vscode'],
  plugins: [esmLibsPlugin()],
};

// The node bundles' entries, in one place.
const builds = [
  { entry: 'server/src/cli/main.ts', out: 'dist/server/cli.js', opts: node },
  { entry: 'server/src/daemon-main.ts', out: 'dist/server/daemon.js', opts: node },
  { entry: 'server/src/jobs/worker.ts', out: 'dist/server/worker.js', opts: node },
  { entry: 'client/src/extension.ts', out: 'dist/client/extension.js', opts: { ...node, ignoreAnnotations: false } },
];
if (existsSync('webview/src')) {
  for (const f of readdirSync('webview/src')) {
    if (/^[a-z-]+-main\.ts$/.test(f)) {
      builds.push({
        entry: `webview/src/${f}`,
        out: `dist/webview/${f.replace('-main.ts', '.js')}`,
        opts: { ...common, platform: 'browser', format: 'iife', target: 'es2022' },
      });
    }
  }
}

const contexts = [];
for (const b of builds) {
  if (!existsSync(b.entry)) continue;
  const ctx = await esbuild.context({ ...b.opts, entryPoints: [b.entry], outfile: b.out });
  contexts.push(ctx);
}
contexts.push(
  await esbuild.context({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(ESM_LIBS).map(([lib, out]) => [out.replace(/\.mjs$/, ''), fileURLToPath(import.meta.resolve(lib))])),
    outdir: 'dist/server',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // CommonJS code inside them calls require() for node builtins, which ESM output lacks.
    banner: { js: "import { createRequire as __jlCreateRequire } from 'node:module'; const require = __jlCreateRequire(import.meta.url);" },
  }),
);

// The WASM backend loads its .wasm binaries from the bundle's folder at run time.
mkdirSync('dist/server', { recursive: true });
const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of readdirSync(wasmDist)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDist, f), join('dist/server', f));

// The reference frontier the dashboard draws (issue #11) ships in assets/frontier/, copied from
// where `jumplens sweep` writes it (docs/results/frontier/) so the two cannot drift; the copy is
// rebuilt each time so results removed there do not linger in the .vsix. Paths as in
// server/src/defaults.ts (BUNDLED_FRONTIER, FRONTIER_RESULTS_DIR).
const FRONTIER_FROM = 'docs/results/frontier';
const FRONTIER_TO = 'assets/frontier';
rmSync(FRONTIER_TO, { recursive: true, force: true });
if (existsSync(join(FRONTIER_FROM, 'frontier.json'))) {
  mkdirSync(FRONTIER_TO, { recursive: true });
  for (const f of ['frontier.json', 'comparison.json']) if (existsSync(join(FRONTIER_FROM, f))) copyFileSync(join(FRONTIER_FROM, f), join(FRONTIER_TO, f));
} else if (production) {
  console.warn(`${FRONTIER_FROM}/frontier.json is missing: the package ships no reference frontier`);
}

// Stale chunks from earlier builds would ship in the .vsix.
rmSync('dist/server/chunks', { recursive: true, force: true });

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching...');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  console.log(`built ${contexts.length} bundle(s)`);
}
