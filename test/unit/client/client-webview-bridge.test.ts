// The extension side of the webviews (client/src/panels/webview-bridge.ts): every page message is
// validated before it acts, an invalid one is dropped with a log line, `open` reaches only the
// workspace and runs folder, and a page is handed the daemon's (new) endpoint. `vscode` exists only
// inside the editor, so the bridge gets a recording stand-in.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { isInside, openRoots } from '../../../client/src/panels/open-policy';
import { tempDir } from '../../helpers/paths';

const executed: { cmd: string; arg: unknown }[] = [];
const warnings: string[] = [];
const vscodeStub = {
  commands: { executeCommand: async (cmd: string, arg: unknown) => void executed.push({ cmd, arg }) },
  window: { showWarningMessage: async (m: string) => void warnings.push(m) },
  Uri: { file: (p: string) => ({ fsPath: p }) },
};
const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: typeof load })._load = (req, ...rest) => (req === 'vscode' ? vscodeStub : load(req, ...rest));
const { bridge } = require('../../../client/src/panels/webview-bridge') as typeof import('../../../client/src/panels/webview-bridge');

function fakeWebview() {
  let listener: ((m: unknown) => Promise<void>) | undefined;
  const posted: unknown[] = [];
  return {
    posted,
    webview: {
      onDidReceiveMessage: (l: (m: unknown) => Promise<void>) => {
        listener = l;
        return { dispose() {} };
      },
      postMessage: async (m: unknown) => void posted.push(m),
    },
    receive: (m: unknown) => (listener ? listener(m) : Promise.reject(new Error('the bridge registered no listener'))),
  };
}

test('the bridge acts on valid messages only; invalid ones are dropped with a log line; open stays inside the workspace', async () => {
  const t = tempDir();
  try {
    const ws = path.join(t.dir, 'ws');
    mkdirSync(path.join(ws, '.jumplens', 'runs', 'a'), { recursive: true });
    const log: string[] = [];
    const focused: number[] = [];
    const loaded: string[] = [];
    const readied: number[] = [];
    let endpoint = { url: 'ws://127.0.0.1:1/', token: 't1' };
    const hooks = {
      getEndpoint: async () => endpoint,
      focusFeature: (f: number) => void focused.push(f),
      loadSae: (p: string) => void loaded.push(p),
      openRoots: () => openRoots([ws], ''),
      prefill: async () => ({}),
      log: (l: string) => void log.push(l),
    };
    const w = fakeWebview();
    bridge(w.webview as never, hooks, () => void readied.push(1));
    await w.receive({ type: 'ready' });
    assert.deepEqual(w.posted, [{ type: 'endpoint', url: 'ws://127.0.0.1:1/', token: 't1' }]);
    assert.equal(readied.length, 1);
    // After a daemon restart the page's next 'ready' gets the new endpoint.
    endpoint = { url: 'ws://127.0.0.1:2/', token: 't2' };
    await w.receive({ type: 'ready' });
    assert.deepEqual(w.posted[1], { type: 'endpoint', url: 'ws://127.0.0.1:2/', token: 't2' });

    await w.receive({ type: 'focusFeature', feature: 7 });
    await w.receive({ type: 'focusFeature', feature: '7; rm' });
    await w.receive({ type: 'loadSae', path: '/saes/x' });
    await w.receive({ type: 'exec', cmd: 'x' });
    await w.receive('not an object');
    assert.deepEqual(focused, [7]);
    assert.deepEqual(loaded, ['/saes/x']);
    assert.equal(log.length, 3, log.join('\n'));
    assert.match(log[0], /"focusFeature" dropped/);
    assert.match(log[1], /"exec" dropped/);

    await w.receive({ type: 'open', path: path.join(ws, '.jumplens', 'runs', 'a') });
    assert.deepEqual(executed, [{ cmd: 'revealFileInOS', arg: { fsPath: path.join(ws, '.jumplens', 'runs', 'a') } }]);
    await w.receive({ type: 'open', path: '/etc/passwd' });
    await w.receive({ type: 'open', path: path.join(ws, '..', 'outside') });
    assert.equal(executed.length, 1, 'nothing outside the workspace is opened');
    assert.equal(warnings.length, 2);
    assert.match(log.at(-1)!, /outside the workspace and runs folder; refused/);
  } finally {
    t.cleanup();
  }
});

test('isInside: the roots and what lies beneath them, not siblings, relative paths or symlinks out', () => {
  const t = tempDir();
  try {
    const ws = path.join(t.dir, 'ws');
    mkdirSync(ws);
    writeFileSync(path.join(t.dir, 'secret'), 'x');
    symlinkSync(path.join(t.dir, 'secret'), path.join(ws, 'link'));
    assert.ok(isInside(ws, [ws]));
    assert.ok(isInside(path.join(ws, 'a', 'b.json'), [ws]));
    assert.ok(!isInside(`${ws}-other/x`, [ws]), 'a sibling whose name starts the same');
    assert.ok(!isInside('ws/a', [ws]), 'relative paths');
    assert.ok(!isInside(path.join(ws, 'link'), [ws]), 'a link inside pointing out');
    assert.ok(isInside('/runs/elsewhere/j1', openRoots([ws], '/runs/elsewhere')), 'an absolute runs folder');
    assert.deepEqual(openRoots([ws], 'out/runs'), [ws, path.join(ws, 'out/runs')]);
  } finally {
    t.cleanup();
  }
});

test('no page message reaches the extension except through the validating bridge', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { REPO_ROOT } = await import('../../helpers/paths');
  const dir = path.join(REPO_ROOT, 'client', 'src');
  const listeners = (readdirSync(dir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.ts') && /onDidReceiveMessage\(/.test(readFileSync(path.join(dir, f), 'utf8')),
  );
  assert.deepEqual(listeners, [path.join('panels', 'webview-bridge.ts')]);
  assert.match(
    readFileSync(path.join(dir, 'panels', 'webview-bridge.ts'), 'utf8'),
    /onDidReceiveMessage\(async \(raw: unknown\) => \{\s*const r = parseWebviewMessage\(raw\);\s*if \(!r\.ok\)/,
  );
});
