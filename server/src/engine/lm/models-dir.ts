// Where models live. A model *name* (`stories260K.bin`, `org/name`) is looked up, in order, in the
// package's own assets/models (what the .vsix ships), the folder the user configured
// (jumplens.modelsDir, then JUMPLENS_MODELS), the workspace folders, and the package's `models/`
// folder (a developer checkout links it to the shared models). Downloads (`jumplens pull`) go to
// JUMPLENS_MODELS, else that `models/` folder.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readRegularFile } from '../io/open-regular';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The folder holding JumpLens's package.json: the repository root when running from sources,
 * the extension folder when running from a bundle (dist/server/*.js, dist/client/*.js). Found by
 * walking up from this file, so it does not depend on how deep the bundle sits.
 */
export function findPackageRoot(from: string = __dirname): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'jumplens') return dir;
      } catch {}
    }
    if (path.dirname(dir) === dir) throw new Error(`no JumpLens package.json above ${from}`);
  }
}

/** The package root; a bundle copied out of its package falls back to two folders above it (dist/server). */
export const REPO_ROOT = (() => {
  try {
    return findPackageRoot();
  } catch {
    return path.resolve(__dirname, '..', '..');
  }
})();

/** The models shipped in the package (stories260K.bin and its tokenizer). */
export const BUNDLED_MODELS_DIR = path.join(REPO_ROOT, 'assets', 'models');

/** Where downloads go: JUMPLENS_MODELS, else the `models/` folder at the package root. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.JUMPLENS_MODELS ? path.resolve(env.JUMPLENS_MODELS) : path.join(REPO_ROOT, 'models');
}

/** Where a model name is looked up besides the defaults; the daemon passes the editor's settings. */
export interface ModelSearch {
  /** The jumplens.modelsDir setting (empty or undefined: not set). */
  modelsDir?: string;
  /** Workspace folders: a name is tried in each and in its `models/` subfolder. */
  workspaceFolders?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** One folder a model name is looked up in, and why it is searched (for error messages). */
export interface ModelRoot {
  dir: string;
  source: string;
}

/** The folders a model name is looked up in, in order, without duplicates. */
export function modelRoots(o: ModelSearch = {}): ModelRoot[] {
  const env = o.env ?? process.env;
  const roots: ModelRoot[] = [{ dir: BUNDLED_MODELS_DIR, source: 'bundled models' }];
  if (o.modelsDir) roots.push({ dir: path.resolve(o.modelsDir), source: 'jumplens.modelsDir' });
  if (env.JUMPLENS_MODELS) roots.push({ dir: path.resolve(env.JUMPLENS_MODELS), source: 'JUMPLENS_MODELS' });
  for (const ws of o.workspaceFolders ?? []) {
    roots.push({ dir: path.resolve(ws), source: 'workspace folder' }, { dir: path.resolve(ws, 'models'), source: 'workspace models/' });
  }
  roots.push({ dir: path.join(REPO_ROOT, 'models'), source: 'package models/' });
  const seen = new Set<string>();
  return roots.filter((r) => !seen.has(r.dir) && seen.add(r.dir));
}

/** The Hugging Face hub cache researchers already have (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
export function hfCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return path.join(env.HF_HOME, 'hub');
  return path.join(os.homedir(), '.cache', 'huggingface', 'hub');
}

/**
 * A hub-cache repo folder (`models--org--name`) or one of its snapshots -> the snapshot folder
 * holding the files: refs/main when present, else the only snapshot.
 */
export function resolveHfCacheFolder(dir: string): string {
  const base = path.basename(dir);
  if (path.basename(path.dirname(dir)) === 'snapshots') return dir;
  if (!base.startsWith('models--')) return dir;
  const snaps = path.join(dir, 'snapshots');
  if (!existsSync(snaps)) throw new Error(`${dir}: Hugging Face cache folder without snapshots/`);
  const ref = path.join(dir, 'refs', 'main');
  if (existsSync(ref)) {
    const rev = readRegularFile(ref, { encoding: 'utf8', maxBytes: 4096 }).trim();
    if (existsSync(path.join(snaps, rev))) return path.join(snaps, rev);
  }
  const revs = readdirSync(snaps).filter((r) => statSync(path.join(snaps, r)).isDirectory());
  if (revs.length === 1) return path.join(snaps, revs[0]);
  if (revs.length === 0) throw new Error(`${dir}: Hugging Face cache folder has no snapshots`);
  throw new Error(`${dir}: ${revs.length} snapshots and no refs/main; pass the snapshot folder (${snaps}/<rev>)`);
}

/** Candidate paths for a model name, in the order they are tried. */
export function candidatePaths(name: string, o: ModelSearch = {}): string[] {
  const out: string[] = [];
  const hub = name.includes('/') ? `models--${name.replace(/\//g, '--')}` : undefined;
  for (const { dir } of modelRoots(o)) {
    out.push(path.join(dir, name));
    if (!name.endsWith('.bin')) out.push(path.join(dir, `${name}.bin`));
    if (hub) out.push(path.join(dir, hub));
  }
  if (hub) out.push(path.join(hfCacheDir(o.env), hub));
  return out;
}

/**
 * A path or a name -> the file/folder that will be loaded. A path that exists wins; else each
 * model root in turn. The error lists every folder searched.
 */
export function resolveModelPath(pathOrName: string, o: ModelSearch = {}): string {
  if (existsSync(pathOrName)) return path.resolve(pathOrName);
  for (const p of candidatePaths(pathOrName, o)) if (existsSync(p)) return p;
  const looked = modelRoots(o).map((r) => `${r.dir} (${r.source})`);
  if (pathOrName.includes('/')) looked.push(`${hfCacheDir(o.env)} (Hugging Face cache)`);
  throw new Error(
    `model "${pathOrName}" not found: not a path (from ${process.cwd()}), and not in ${looked.join(', ')}. ` +
      `Set jumplens.modelsDir or JUMPLENS_MODELS to the folder holding it, or run \`jumplens pull ${pathOrName}\``,
  );
}
