// The client's command table (client/src/commands/index.ts) against package.json: the same ids in
// the same order, each registered exactly once, through the error guard. `vscode` exists only inside
// the editor, so the test hands the command modules a recording stand-in for the few calls they make.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../helpers/paths';

const registered: { id: string; handler: (...a: unknown[]) => unknown }[] = [];
const errors: string[] = [];
const vscodeStub = {
  commands: {
    registerCommand: (id: string, handler: (...a: unknown[]) => unknown) => {
      registered.push({ id, handler });
      return { dispose: () => {} };
    },
    executeCommand: async () => undefined,
  },
  window: {
    showErrorMessage: async (m: string) => void errors.push(m),
  },
};

// Resolve `vscode` to the stand-in for the modules loaded below (CommonJS under tsx).
const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: typeof load })._load = (req, ...rest) => (req === 'vscode' ? vscodeStub : load(req, ...rest));
const { COMMANDS, registerCommands } = require('../../../client/src/commands') as typeof import('../../../client/src/commands');

const contributed: string[] = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).contributes.commands.map(
  (c: { command: string }) => c.command,
);

function fakeCtx() {
  const log: string[] = [];
  const ctx = {
    extension: { subscriptions: [] as unknown[] },
    output: { appendLine: (l: string) => void log.push(l) },
    decorations: {
      enabled: true,
      renders: 0,
      renderAll() {
        this.renders++;
      },
    },
    restart: async () => {
      throw new Error('daemon binary missing');
    },
  };
  return { ctx, log };
}

test('the command table lists exactly package.json contributes.commands, in order', () => {
  assert.ok(contributed.length >= 15, `only ${contributed.length} commands contributed`);
  assert.deepEqual(Object.keys(COMMANDS), contributed);
});

test('registerCommands registers every contributed id exactly once and hands VS Code the disposables', () => {
  registered.length = 0;
  const { ctx } = fakeCtx();
  registerCommands(ctx as never);
  const ids = registered.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, `registered twice: ${ids.filter((id, i) => ids.indexOf(id) !== i).join(', ')}`);
  assert.deepEqual([...ids].sort(), [...contributed].sort());
  assert.equal(ctx.extension.subscriptions.length, contributed.length, 'each registration is disposed with the extension');
  // No other file registers commands: the table is the only way in.
  const dir = path.join(REPO_ROOT, 'client', 'src');
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    if (!f.endsWith('.ts') || f === path.join('commands', 'index.ts')) continue;
    assert.doesNotMatch(readFileSync(path.join(dir, f), 'utf8'), /registerCommand\(/, `client/src/${f} registers a command outside the table`);
  }
});

test('a registered handler runs its factory on the context; a failure becomes an error message and a log line', async () => {
  registered.length = 0;
  errors.length = 0;
  const { ctx, log } = fakeCtx();
  registerCommands(ctx as never);
  const run = (id: string) => registered.find((r) => r.id === id)!.handler();
  await run('jumplens.toggleDecorations');
  assert.deepEqual([ctx.decorations.enabled, ctx.decorations.renders], [false, 1]);
  await run('jumplens.toggleDecorations');
  assert.deepEqual([ctx.decorations.enabled, ctx.decorations.renders], [true, 2]);
  assert.equal(await run('jumplens.restartDaemon'), undefined, 'the guard swallows the rejection');
  assert.deepEqual(errors, ['JumpLens: daemon binary missing']);
  assert.deepEqual(log, ['jumplens.restartDaemon failed: daemon binary missing']);
});
