// The .vsix is self-contained: it holds what the defaults need (model, tokenizer, SAE with its
// feature store, corpus, .wasm files, the reference frontier when docs/results/frontier has one), and every module a bundle imports at run time is either in
// the .vsix, a Node builtin, or an optional package the code loads only when present. Then the
// unpacked extension, in a folder with no node_modules above it, renders a vega plot and resolves
// the default model name through its bundled CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { unzipSync } from 'fflate';
import { REPO_ROOT, tempDir } from '../../helpers/paths';
import { packageVsix } from '../../helpers/package-vsix';

/** Packages a bundle may import without the .vsix holding them, and why that is safe. */
const OPTIONAL: Record<string, string> = {
  vscode: 'provided by the extension host (dist/client only)',
  '@tensorflow/tfjs-node': 'native backend, loaded from the user node_modules when present',
  '@tensorflow/tfjs-node-gpu': 'native backend, loaded from the user node_modules when present',
  bufferutil: 'ws: optional speed-up, required inside try/catch',
  'utf-8-validate': 'ws: optional speed-up, required inside try/catch',
  encoding: 'node-fetch: optional charset conversion, required inside try/catch',
  canvas: 'vega: optional canvas renderer (JumpLens renders SVG), imported inside try/catch',
};

interface ImportRef {
  file: string;
  specifier: string;
  kind: string;
}

/** Every import/require/import() with a literal specifier in one bundle's source. */
async function importsOf(file: string, source: string): Promise<ImportRef[]> {
  const refs: ImportRef[] = [];
  await esbuild.build({
    stdin: { contents: source, loader: 'js', sourcefile: file },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [
      {
        name: 'record',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (a) => {
            refs.push({ file, specifier: a.path, kind: a.kind });
            return { path: a.path, external: true };
          });
        },
      },
    ],
  });
  return refs;
}

/** The imports that would not resolve inside the .vsix (relative paths against its entries). */
function unresolved(refs: ImportRef[], entries: Set<string>): string[] {
  const bad: string[] = [];
  for (const r of refs) {
    const s = r.specifier;
    if (s.startsWith('.') || s.startsWith('/')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(r.file), s));
      if (!entries.has(target)) bad.push(`${r.file}: ${r.kind} ${s} -> ${target} is not in the .vsix`);
      continue;
    }
    const bare = s.startsWith('node:') ? s.slice(5) : s;
    if (builtinModules.includes(bare) || builtinModules.includes(bare.split('/')[0])) continue;
    const pkg = bare.startsWith('@') ? bare.split('/').slice(0, 2).join('/') : bare.split('/')[0];
    if (pkg in OPTIONAL && (pkg !== 'vscode' || r.file.startsWith('extension/dist/client/'))) continue;
    bad.push(`${r.file}: ${r.kind} "${s}": package ${pkg} is not in the .vsix (bundle it, or list it in OPTIONAL with the reason it may be absent)`);
  }
  return bad;
}

const tmp = tempDir('jumplens-vsix-');
let files: Record<string, Uint8Array> = {};
let entries = new Set<string>();

before(() => {
  const vsix = path.join(tmp.dir, 'jumplens.vsix');
  const r = packageVsix(vsix);
  assert.equal(r.status, 0, `npm run package failed:\n${r.output}`);
  files = unzipSync(readFileSync(vsix));
  entries = new Set(Object.keys(files));
  // Unpack outside the repository: nothing above it has a node_modules.
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    mkdirSync(path.dirname(path.join(tmp.dir, 'unpacked', name)), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'unpacked', name), data);
  }
});

after(() => tmp.cleanup());

test('the scanner finds bare imports, requires and dynamic imports, and rejects packages the .vsix lacks', async () => {
  const src = 'const a = require("fs"); const b = require("vega"); import("./x.mjs"); import("vega-lite"); import c from "node:path";';
  const refs = await importsOf('extension/dist/server/w.js', src);
  assert.deepEqual(refs.map((r) => r.specifier).sort(), ['./x.mjs', 'fs', 'node:path', 'vega', 'vega-lite']);
  const bad = unresolved(refs, new Set(['extension/dist/server/x.mjs']));
  assert.equal(bad.length, 2, bad.join('\n'));
  assert.match(bad.join('\n'), /package vega is not in the \.vsix[\s\S]*package vega-lite is not/);
  assert.equal(
    unresolved(await importsOf('extension/dist/server/w.js', 'require("vscode")'), new Set()).length,
    1,
    'vscode outside the client bundle must be flagged',
  );
});

test('the .vsix holds the bundles, .wasm files, model, tokenizer, default SAE with its feature store, and corpus; no maps, no node_modules', () => {
  const need = [
    'extension/package.json',
    'extension/dist/client/extension.js',
    'extension/dist/server/daemon.js',
    'extension/dist/server/worker.js',
    'extension/dist/server/cli.js',
    'extension/dist/server/vega.mjs',
    'extension/dist/server/vega-lite.mjs',
    'extension/dist/server/tfjs-backend-wasm.wasm',
    'extension/dist/server/tfjs-backend-wasm-simd.wasm',
    'extension/assets/models/stories260K.bin',
    'extension/assets/models/tok512.bin',
    'extension/assets/models/README.md',
    'extension/assets/default-sae/cfg.json',
    'extension/assets/default-sae/sae_weights.safetensors',
    'extension/assets/corpus/README.md',
  ];
  for (const f of need) assert.ok(entries.has(f), `${f} is not in the .vsix`);
  assert.ok(
    [...entries].some((f) => f.startsWith('extension/assets/corpus/') && f.endsWith('.json')),
    'no corpus in assets/corpus',
  );
  // Next to the SAE, where the daemon looks for a store (<sae>/features).
  assert.ok(entries.has('extension/assets/default-sae/features/feature_store.safetensors'), 'the default SAE has no feature store in the .vsix');
  // The reference frontier the dashboard draws, copied by the build from where the sweep writes it.
  const results = path.join(REPO_ROOT, 'docs', 'results', 'frontier');
  for (const f of ['frontier.json', 'comparison.json']) {
    if (!existsSync(path.join(results, f))) continue;
    const packed = files[`extension/assets/frontier/${f}`];
    assert.ok(packed, `docs/results/frontier/${f} is not in the .vsix as assets/frontier/${f}`);
    assert.deepEqual(Buffer.from(packed), readFileSync(path.join(results, f)), `assets/frontier/${f} differs from docs/results/frontier/${f}`);
  }
  const junk = [...entries].filter((f) => /\.map$|node_modules\/|\.ts$|(^|\/)test\//.test(f));
  assert.deepEqual(junk, [], 'files the extension never reads');
  const bytes = Object.values(files).reduce((n, d) => n + d.length, 0);
  assert.ok(bytes < 20e6, `unpacked .vsix is ${(bytes / 1e6).toFixed(1)} MB`);
});

test('every import left in the bundles resolves inside the .vsix, to a Node builtin, or to an optional package', async () => {
  const bundles = [...entries].filter((f) => /^extension\/dist\/.*\.(m?js|cjs)$/.test(f) && !f.startsWith('extension/dist/webview/'));
  assert.ok(bundles.length >= 5, bundles.join(', '));
  const refs = (await Promise.all(bundles.map((f) => importsOf(f, Buffer.from(files[f]).toString('utf8'))))).flat();
  assert.ok(
    refs.some((r) => r.specifier === './vega.mjs'),
    'no bundle imports vega: the scan missed the sweep plots',
  );
  assert.deepEqual(unresolved(refs, entries), []);
});

test('from the unpacked .vsix with no node_modules: vega draws an SVG, the CLI runs on WASM, finds the bundled model and reads the feature store', () => {
  const ext = path.join(tmp.dir, 'unpacked', 'extension');
  const env = { PATH: process.env.PATH, HOME: tmp.dir };
  const plot = `(async () => {
    const vega = await import(${JSON.stringify(path.join(ext, 'dist', 'server', 'vega.mjs'))});
    const vl = await import(${JSON.stringify(path.join(ext, 'dist', 'server', 'vega-lite.mjs'))});
    const spec = vl.compile({ data: { values: [{ a: 1, b: 2 }, { a: 2, b: 3 }] }, mark: 'line', encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } } }).spec;
    const view = new vega.View(vega.parse(spec), { renderer: 'none' });
    process.stdout.write(await view.toSVG());
  })().catch((e) => { console.error(e); process.exit(1); });`;
  const p = spawnSync(process.execPath, ['-e', plot], { cwd: tmp.dir, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^<svg[\s\S]*<path[\s\S]*<\/svg>$/);

  const cli = (...args: string[]) => {
    const code = `require(${JSON.stringify(path.join(ext, 'dist', 'server', 'cli.js'))}).main(['node', 'jumplens', ...${JSON.stringify(args)}])`;
    const r = spawnSync(process.execPath, ['-e', code], { cwd: tmp.dir, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `jumplens ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  // The WASM backend finds its .wasm files next to the bundle (a silent fall-back to the JS CPU
  // backend would be 10x slower).
  assert.match(cli('doctor'), /^backend: wasm/m);
  const info = JSON.parse(cli('lm', 'info', 'stories260K.bin', '--json'));
  assert.equal(info.path, path.join(ext, 'assets', 'models', 'stories260K.bin'));
  assert.equal(info.tokenizer.vocabSize, 512);
  const card = JSON.parse(cli('features', 'show', path.join(ext, 'assets', 'default-sae', 'features'), '5'));
  assert.ok(card.density > 0 && card.density < 1, `density ${card.density}`);
  assert.ok(card.top.length > 0 && card.top[0].value > 0, 'no top contexts');

  // A 2-step training run ends by drawing curves.svg through the bundle's import() of vega, the
  // code path the job worker's sweeps and training take.
  const stories = JSON.parse(readFileSync(path.join(ext, 'assets', 'corpus', 'tinystories-train-700-999.json'), 'utf8')) as string[];
  writeFileSync(path.join(tmp.dir, 'three.json'), JSON.stringify(stories.slice(0, 3)));
  const out = path.join(tmp.dir, 'run');
  cli(
    'train',
    '--model',
    'stories260K.bin',
    '--hook',
    'blocks.2.hook_resid_post',
    '--corpus',
    path.join(tmp.dir, 'three.json'),
    '--arch',
    'jumprelu',
    '--d-sae',
    '16',
    '--batch-size',
    '64',
    '--steps',
    '2',
    '--out',
    out,
    '--json',
  );
  assert.match(readFileSync(path.join(out, 'curves.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>$/);
});
