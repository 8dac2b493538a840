// `npm run package` into a given .vsix path, one test at a time: packaging rebuilds dist/ in place,
// so two test files packaging at once (the runner runs two files concurrently) would race.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { REPO_ROOT } from './paths';

const LOCK = path.join(os.tmpdir(), `jumplens-package-${path.basename(REPO_ROOT)}.lock`);

/** Runs scripts/package.mjs to `vsix` under a cross-process lock; returns vsce's status and output. */
export function packageVsix(vsix: string): { status: number | null; output: string } {
  const until = Date.now() + 600_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      // A lock left by a killed run is stale after 10 minutes.
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 600_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {}
      if (Date.now() > until) throw new Error(`${LOCK}: another test has been packaging for 10 minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.mjs'), vsix], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
    return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Unpacks `vsix` into `dir` (outside the repository: no node_modules above it); returns its entries. */
export function unpackVsix(vsix: string, dir: string): Record<string, Uint8Array> {
  const files = unzipSync(readFileSync(vsix));
  for (const [name, data] of Object.entries(files)) {
    if (name.endsWith('/')) continue;
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), data);
  }
  return files;
}
