// The import rules of docs/architecture.md, checked on every .ts file's import statements (static
// imports and re-exports, `import()` and `require()`): the engine depends on nothing of the daemon
// or the editor, protocol on nothing with side effects, the two daemon faces (lsp/, api/) on
// neither each other nor the job queue, the client never on the server or tfjs, the webview never
// on the server or the client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Every module a source names, with whether the statement is type-only. */
export function importsOf(src: string): { spec: string; typeOnly: boolean }[] {
  // Comments could hold example imports; strings never span lines here, so this strip is enough.
  const code = src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm)) out.push({ spec: m[3], typeOnly: !!m[2] });
  for (const m of code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) out.push({ spec: m[1], typeOnly: false });
  for (const m of code.matchAll(/(typeof\s+)?\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[2], typeOnly: !!m[1] });
  return out;
}

/** Where an import points: a repo path (for relative imports) or the package name. */
function target(file: string, spec: string): { repo?: string; pkg?: string } {
  if (spec.startsWith('.'))
    return {
      repo: path
        .relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), spec))
        .split(path.sep)
        .join('/'),
    };
  const parts = spec.split('/');
  return { pkg: spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0] };
}

interface Rule {
  /** Files the rule covers (repo path prefix). */
  from: string;
  why: string;
  /** True when `file` may not import `spec`. */
  forbids(t: { repo?: string; pkg?: string; spec: string; typeOnly: boolean }): boolean;
}

const under = (repo: string | undefined, ...dirs: string[]) => repo !== undefined && dirs.some((d) => repo === d || repo.startsWith(`${d}/`));
const EDITOR_PKGS = ['vscode', 'vscode-languageserver', 'vscode-languageclient', 'vscode-languageserver-textdocument', 'vscode-jsonrpc', 'ws'];

export const RULES: Rule[] = [
  {
    from: 'server/src/engine/',
    why: 'the engine imports nothing of the daemon or editor (only protocol/, which is pure data and types), and no editor/ws package',
    // package.json is data (the version written into saved SAEs), not code. protocol/train.ts holds
    // the training config schema and defaults that the engine resolves.
    forbids: (t) =>
      (t.repo !== undefined && !under(t.repo, 'server/src/engine', 'protocol') && !t.repo.endsWith('package.json')) || EDITOR_PKGS.includes(t.pkg ?? ''),
  },
  {
    from: 'protocol/',
    why: 'protocol imports only zod, vscode-jsonrpc and its own files',
    forbids: (t) => (t.repo !== undefined ? !under(t.repo, 'protocol') : !['zod', 'vscode-jsonrpc'].includes(t.spec)),
  },
  {
    from: 'server/src/lsp/',
    why: 'lsp/ does not import api/, jobs/, cli/ or the composition root',
    forbids: (t) => under(t.repo, 'server/src/api', 'server/src/jobs', 'server/src/cli', 'server/src/daemon', 'server/src/daemon-main', 'client', 'webview'),
  },
  {
    from: 'server/src/api/',
    why: 'api/ does not import lsp/, jobs/, cli/ or the composition root',
    forbids: (t) =>
      under(t.repo, 'server/src/lsp', 'server/src/jobs', 'server/src/cli', 'server/src/daemon', 'server/src/daemon-main', 'client', 'webview') ||
      t.pkg === 'vscode-languageserver',
  },
  {
    from: 'server/src/session/',
    why: 'session/ is shared by both faces and imports neither',
    forbids: (t) =>
      under(t.repo, 'server/src/lsp', 'server/src/api', 'server/src/jobs', 'server/src/cli', 'server/src/daemon', 'client', 'webview') ||
      EDITOR_PKGS.includes(t.pkg ?? ''),
  },
  {
    from: 'server/src/jobs/',
    why: 'jobs/ does not import the faces',
    forbids: (t) => under(t.repo, 'server/src/lsp', 'server/src/api', 'server/src/cli', 'server/src/daemon', 'client', 'webview'),
  },
  { from: 'server/', why: 'the server never imports the client or the webview', forbids: (t) => under(t.repo, 'client', 'webview') || t.pkg === 'vscode' },
  {
    from: 'client/',
    why: 'the client never imports the server or tfjs',
    forbids: (t) => under(t.repo, 'server', 'webview') || (t.pkg ?? '').startsWith('@tensorflow'),
  },
  {
    from: 'webview/',
    why: 'the webview never imports the server, the client, vscode or tfjs',
    forbids: (t) => under(t.repo, 'server', 'client') || ['vscode', 'ws'].includes(t.pkg ?? '') || (t.pkg ?? '').startsWith('@tensorflow'),
  },
];

/** Every violation in `files` (repo path -> source). */
export function violations(files: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, src] of files) {
    for (const { spec, typeOnly } of importsOf(src)) {
      const t = { ...target(file, spec), spec, typeOnly };
      for (const r of RULES) if (file.startsWith(r.from) && r.forbids(t)) out.push(`${file} imports '${spec}': ${r.why}`);
    }
  }
  return out;
}

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) sources(rel, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.set(rel, readFileSync(path.join(ROOT, rel), 'utf8'));
  }
  return out;
}

test('every source file keeps the import rules', () => {
  const files = new Map([...sources('server/src'), ...sources('protocol'), ...sources('client/src'), ...sources('webview/src')]);
  assert.ok(files.size > 100, `read ${files.size} files`);
  assert.deepEqual(violations(files), []);
});

test('the checker reports each kind of violation', () => {
  const bad = new Map([
    ['server/src/engine/x.ts', "import { LspServer } from '../lsp/lsp-server';\nimport { WebSocket } from 'ws';"],
    ['protocol/x.ts', "import * as fs from 'node:fs';\nimport { tf } from '../server/src/engine/tf';"],
    ['server/src/lsp/x.ts', "// import { ok } from '../api/ws-server';\nconst q = require('../jobs/job-queue');"],
    ['server/src/api/x.ts', "export { a } from '../lsp/hover';"],
    ['client/src/x.ts', "import type { Engine } from '../../server/src/session/engine-session';\nimport * as tf from '@tensorflow/tfjs';"],
    ['webview/src/x.ts', "import { Jobs } from '../../client/src/jobs';"],
  ]);
  const v = violations(bad);
  for (const want of [
    /engine\/x.ts imports '..\/lsp/,
    /engine\/x.ts imports 'ws'/,
    /protocol\/x.ts imports 'node:fs'/,
    /protocol\/x.ts imports '..\/server\/src\/engine\/tf'/,
    /lsp\/x.ts imports '..\/jobs\/job-queue'/,
    /api\/x.ts imports '..\/lsp\/hover'/,
    /client\/src\/x.ts imports '..\/..\/server/,
    /client\/src\/x.ts imports '@tensorflow/,
    /webview\/src\/x.ts imports '..\/..\/client/,
  ]) {
    assert.ok(
      v.some((l) => want.test(l)),
      `${want} in:\n${v.join('\n')}`,
    );
  }
  assert.ok(!v.some((l) => l.includes("'../api/ws-server'")), 'a commented-out import is not an import');
  assert.equal(
    violations(new Map([['protocol/y.ts', "import type { TrainConfig } from '../server/src/engine/train/types';"]])).length,
    1,
    'protocol never imports the engine, not even types',
  );
  assert.equal(
    violations(new Map([['server/src/engine/y.ts', "import { TRAIN_DEFAULTS } from '../../../protocol/train';\nimport { z } from 'zod';"]])).length,
    0,
  );
});
