// The ws `frontierResults` op: a frontier sweep's results (`jumplens sweep`'s frontier.json) for the
// dashboard to draw under the user's own points. No path: the reference frontier the package ships
// (assets/frontier/frontier.json, else a source checkout's docs/results/frontier/frontier.json). A
// path the user gives is read only where the fs policy allows (workspace, runs, paths chosen in
// settings) and must be absolute: the daemon's working folder is not the user's. Each error names
// the file and what is wrong with it (missing, not JSON, not a sweep's results).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { FrontierResultsReply } from '../../../protocol';
import { FrontierResultsSchema } from '../../../protocol/sweep';
import { BUNDLED_FRONTIER, FRONTIER_RESULTS_DIR } from '../defaults';
import { readJsonFile } from '../engine/io/read-json';
import { REPO_ROOT } from '../engine/lm/models-dir';
import type { FsPolicy } from './fs-policy';

/** The bundled reference frontier under package root `root`, or undefined when it has none. */
export function bundledFrontierPath(root: string = REPO_ROOT): string | undefined {
  const candidates = [path.join(root, ...BUNDLED_FRONTIER), path.join(root, ...FRONTIER_RESULTS_DIR, 'frontier.json')];
  return candidates.find((f) => existsSync(f));
}

export interface FrontierResultsContext {
  /** The bundled reference (bundledFrontierPath()); undefined: this daemon ships none. */
  bundled?: string;
  /** Where a requested path may be read; absent: anywhere (tests of the op alone). */
  policy?: FsPolicy;
}

/** Reads and validates one frontier.json; throws `<file>: <problem>`. */
export function readFrontierResults(file: string): FrontierResultsReply['results'] {
  if (!existsSync(file)) throw new Error(`${file}: no such file (expected a frontier.json written by jumplens sweep)`);
  const raw = readJsonFile(file);
  const r = FrontierResultsSchema.safeParse(raw);
  if (!r.success) {
    const iss = r.error.issues[0];
    const field = iss.path.length ? ` field "${iss.path.join('.')}":` : '';
    throw new Error(`${file}: not a frontier sweep's results (frontier.json from jumplens sweep):${field} ${iss.message}`);
  }
  return r.data;
}

export function frontierResults(req: { path?: string }, ctx: FrontierResultsContext): FrontierResultsReply {
  if (req.path === undefined) {
    if (!ctx.bundled)
      throw new Error(
        `no reference frontier is bundled (${BUNDLED_FRONTIER.join('/')} is missing from ${REPO_ROOT}; the build copies it from ${FRONTIER_RESULTS_DIR.join('/')}/): load a frontier.json by path`,
      );
    return { path: ctx.bundled, bundled: true, results: readFrontierResults(ctx.bundled) };
  }
  if (!path.isAbsolute(req.path)) throw new Error(`frontierResults "path" ${JSON.stringify(req.path)} must be an absolute path to a frontier.json`);
  ctx.policy?.checkRead(req.path, 'frontierResults "path"');
  return { path: req.path, bundled: false, results: readFrontierResults(req.path) };
}
