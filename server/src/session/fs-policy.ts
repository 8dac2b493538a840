// Where API callers (ws ops, job specs) may read and write: only under the workspace folders, the
// runs folder, the extension's assets, the models folders and the paths the user chose in the editor
// (jumplens.sae, jumplens.saes, jumplens.model, jumplens.jobs.corpus, ...). Paths are resolved
// through symlinks (realpath) before the check, so a link inside a root cannot lead outside it.
// `@sae`/`@model` directives in a `.jlp` file are the user's own choice and are not confined here
// (the engine still opens only regular files, engine/io/open-regular.ts).
// Refusals name the path and the rule, never anything read from the file.
import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec } from '../../../protocol';

/** Real path of `p`; for a path that does not exist yet, its nearest existing ancestor's real path plus the rest. */
export function realPathOf(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const rest: string[] = [];
  while (!existsSync(head)) {
    const up = path.dirname(head);
    if (up === head) break;
    rest.unshift(path.basename(head));
    head = up;
  }
  let real = head;
  try {
    real = realpathSync(head);
  } catch {
    // unreadable ancestor: checked as written
  }
  return path.join(real, ...rest);
}

function inside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class FsPolicy {
  /** `roots`: read each check, so settings changes and new workspace folders apply at once. */
  constructor(private readonly roots: () => readonly (string | undefined)[]) {}

  /** The allowed roots, real paths. */
  allowedRoots(): string[] {
    return [
      ...new Set(
        this.roots()
          .filter((r): r is string => !!r)
          .map(realPathOf),
      ),
    ];
  }

  allows(p: string): boolean {
    const real = realPathOf(p);
    return this.allowedRoots().some((r) => inside(real, r));
  }

  /** Throws unless `p` is under an allowed root; `what` names the field in the message. */
  checkRead(p: string, what: string): void {
    if (!this.allows(p))
      throw new Error(`${what} ${JSON.stringify(p)} is outside the folders JumpLens may use (workspace, runs, models, assets, paths chosen in settings)`);
  }

  checkWrite(p: string, what: string): void {
    this.checkRead(p, what);
  }

  /** Every path a job spec names, read or written, must be allowed. */
  checkJobSpec(spec: JobSpec): void {
    for (const k of ['sae', 'corpus'] as const) if (spec[k] !== undefined) this.checkRead(spec[k], `job spec "${k}"`);
    // A model given by name (no separator) is looked up in the models folders, which are allowed.
    if (spec.model !== undefined && looksLikePath(spec.model)) this.checkRead(spec.model, 'job spec "model"');
    const t = (spec.train ?? {}) as Record<string, unknown>;
    for (const k of ['corpus', 'activations', 'initFrom'] as const) if (typeof t[k] === 'string') this.checkRead(t[k], `job spec "train.${k}"`);
    if (typeof t.model === 'string' && looksLikePath(t.model)) this.checkRead(t.model, 'job spec "train.model"');
    for (const k of ['out', 'activationCache'] as const) if (typeof t[k] === 'string') this.checkWrite(t[k], `job spec "train.${k}"`);
  }
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || s.startsWith('.');
}
