// Where an SAE's feature store lives. A store is built next to its SAE (`<sae>/features`) when that
// folder may be written (writable, not the package's own assets, inside the workspace or runs folder
// the job belongs to); otherwise in the job's run folder, registered in `<runs>/feature-stores.json`
// (SAE realpath -> store folder) so the daemon, the hovers and the feature browser find it all the
// same. Labels edited for a store in a read-only place (the bundled SAE) go to an overlay file in
// the runs folder, so an extension update neither loses them nor is blocked by them.
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { writeJsonAtomic } from '../io/atomic-write';
import { readJsonFile } from '../io/read-json';
import { REPO_ROOT } from '../lm/models-dir';

export const STORE_INDEX_FILE = 'feature-stores.json';
export const LABEL_OVERLAYS_SUBDIR = 'labels';
const INDEX_FORMAT = 'jumplens-feature-store-index-v1';

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

const inside = (p: string, root: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** The package's own assets (the bundled model, corpus and SAE): never written, lost on update. */
export function isPackageAsset(p: string): boolean {
  return inside(real(p), real(path.join(REPO_ROOT, 'assets')));
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The roots a job in `runDir` may write beside an SAE in: its runs folder, and the workspace that
 * holds `<workspace>/.jumplens/runs`.
 */
export function allowedRoots(runDir: string): string[] {
  const runs = path.dirname(path.resolve(runDir));
  const roots = [runs];
  if (path.basename(runs) === 'runs' && path.basename(path.dirname(runs)) === '.jumplens') roots.push(path.dirname(path.dirname(runs)));
  return roots.map(real);
}

/** Where a store built for `sae` by the job in `runDir` goes, and whether it must be registered. */
export function storeOutDir(sae: string, runDir: string): { dir: string; beside: boolean } {
  const s = real(sae);
  const ok = existsSync(s) && statSync(s).isDirectory() && writable(s) && !isPackageAsset(s) && allowedRoots(runDir).some((r) => inside(s, r));
  return ok ? { dir: path.join(s, 'features'), beside: true } : { dir: path.join(path.resolve(runDir), 'features'), beside: false };
}

function readIndex(runsDir: string): Record<string, string> {
  const file = path.join(runsDir, STORE_INDEX_FILE);
  if (!existsSync(file)) return {};
  const j = readJsonFile(file) as { stores?: unknown } | null;
  const stores = j?.stores;
  if (typeof stores !== 'object' || stores === null || Array.isArray(stores)) throw new Error(`${file}: expected {"stores": {"<SAE path>": "<store folder>"}}`);
  return Object.fromEntries(Object.entries(stores).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Records that `storeDir` is the store of the SAE in `sae` (the newest build wins). */
export function registerStore(runsDir: string, sae: string, storeDir: string): void {
  const stores = { ...readIndex(runsDir), [real(sae)]: path.resolve(storeDir) };
  writeJsonAtomic(path.join(runsDir, STORE_INDEX_FILE), { format: INDEX_FORMAT, stores });
}

/** The store registered for the SAE in `sae`, when its folder still exists. */
export function registeredStore(runsDir: string, sae: string): string | undefined {
  const dir = readIndex(runsDir)[real(sae)];
  return dir && existsSync(dir) ? dir : undefined;
}

/** The labels overlay of a store that may not be written (undefined: labels go beside the store). */
export function labelsOverlayFile(runsDir: string | undefined, storeDir: string): string | undefined {
  if (!runsDir || (!isPackageAsset(storeDir) && writable(storeDir))) return undefined;
  const key = createHash('sha256').update(real(storeDir)).digest('hex').slice(0, 16);
  return path.join(runsDir, LABEL_OVERLAYS_SUBDIR, `${key}.json`);
}
