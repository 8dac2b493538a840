// Which paths a webview may ask the extension to reveal: only files under the workspace folders or
// the jobs' runs folder. A page is untrusted input (issue #12); without this an `open` message could
// reveal any file on the machine. Free of `vscode` so it is unit-tested.
import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';

function real(p: string): string {
  const abs = path.resolve(p);
  // Symlinks are followed where the path exists, so a link inside the workspace cannot point out of it.
  return existsSync(abs) ? realpathSync(abs) : abs;
}

/** True when `target` is one of `roots` or lies beneath one. */
export function isInside(target: string, roots: readonly string[]): boolean {
  if (!path.isAbsolute(target)) return false;
  const t = real(target);
  return roots.some((root) => {
    const rel = path.relative(real(root), t);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  });
}

/** The folders `open` may reach: the workspace folders and the runs folder (jumplens.jobs.runsDir, else <first folder>/.jumplens/runs). */
export function openRoots(workspaceFolders: readonly string[], runsDir: string): string[] {
  const roots = [...workspaceFolders];
  if (runsDir) roots.push(path.isAbsolute(runsDir) || !workspaceFolders[0] ? runsDir : path.join(workspaceFolders[0], runsDir));
  return roots;
}
