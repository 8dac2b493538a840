// Where models live: JUMPLENS_MODELS, else the git-ignored `models/` folder at the repository root.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readRegularFile } from '../io/open-regular';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.JUMPLENS_MODELS ? path.resolve(env.JUMPLENS_MODELS) : path.join(REPO_ROOT, 'models');
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
export function candidatePaths(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = modelsDir(env);
  const out = [path.join(dir, name), path.join(dir, `${name}.bin`)];
  if (name.includes('/')) {
    const cacheName = `models--${name.replace(/\//g, '--')}`;
    out.push(path.join(dir, cacheName), path.join(hfCacheDir(env), cacheName));
  }
  return out;
}
