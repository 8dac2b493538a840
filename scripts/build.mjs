// One esbuild script for every bundle: the CLI/daemon (Node, CommonJS), the VS Code client
// (CommonJS, `vscode` external) and the webview scripts (browser, IIFE). Entries that do not exist
// yet are skipped so the build works at every stage of the repository.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning' };
const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // tfjs's packages mark their registration modules side-effect free; honouring that drops the
  // backend registrations, so annotations are ignored.
  ignoreAnnotations: true,
  // Native backends are optional and loaded at run time from the user's node_modules. vega
  // (sweep plots, loaded with a dynamic import) is ESM with top-level await, which a CommonJS
  // bundle cannot hold; it too resolves from node_modules at run time.
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'vscode', 'vega', 'vega-lite'],
};

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

// The WASM backend loads its .wasm binaries from the bundle's folder at run time.
mkdirSync('dist/server', { recursive: true });
const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
for (const f of readdirSync(wasmDist)) if (f.endsWith('.wasm')) copyFileSync(join(wasmDist, f), join('dist/server', f));

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('watching...');
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  console.log(`built ${contexts.length} bundle(s)`);
}
