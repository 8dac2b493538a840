// Builds the optional native compute addon (native/, node-gyp over OpenBLAS or Accelerate) into
// native/build/. Run by the root `postinstall`; it never fails the install: without a compiler,
// headers or BLAS it prints one line saying why and the engine stays on tfjs (WASM).
// JUMPLENS_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'native');

function nodeGyp() {
  // The node-gyp bundled with npm: no extra dependency, and npm's `nodedir` points it at the headers.
  const npmCli = process.env.npm_execpath;
  const candidates = [
    npmCli && path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].filter(Boolean);
  return candidates.find((c) => existsSync(c));
}

/** Node's headers: npm's `nodedir` when set, else the ones installed beside this node (no download). */
function nodeDir() {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm && existsSync(path.join(fromNpm, 'include', 'node', 'node_api.h'))) return fromNpm;
  const beside = path.resolve(path.dirname(process.execPath), '..');
  return existsSync(path.join(beside, 'include', 'node', 'node_api.h')) ? beside : undefined;
}

function main() {
  if (process.env.JUMPLENS_NATIVE === '0') return console.log('jumplens native: skipped (JUMPLENS_NATIVE=0)');
  const gyp = nodeGyp();
  if (!gyp) return console.log('jumplens native: not built (node-gyp not found next to npm); using tfjs WASM');
  const nd = nodeDir();
  const r = spawnSync(process.execPath, [gyp, 'rebuild', '--release', ...(nd ? [`--nodedir=${nd}`] : [])], { cwd: dir, encoding: 'utf8', env: process.env });
  if (r.status === 0) return console.log(`jumplens native: built ${path.join('native', 'build', 'Release', 'jumplens_native.node')}`);
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const why =
    /cblas\.h|Accelerate/.test(out) && /No such file|not found/.test(out)
      ? 'BLAS headers missing (Debian/Ubuntu: apt-get install libopenblas-dev)'
      : /-lopenblas/.test(out)
        ? 'libopenblas not found (Debian/Ubuntu: apt-get install libopenblas-dev)'
        : /not found: (make|g\+\+|c\+\+)|No C\+\+ compiler|gyp ERR! find Python|command not found/i.test(out)
          ? 'no C++ toolchain or Python for node-gyp'
          : (out.split('\n').find((l) => /error/i.test(l)) ?? `node-gyp exited with ${r.status ?? r.signal}`).trim();
  console.log(`jumplens native: not built (${why}); using tfjs WASM`);
}

try {
  main();
} catch (e) {
  console.log(`jumplens native: not built (${e instanceof Error ? e.message : String(e)}); using tfjs WASM`);
}
