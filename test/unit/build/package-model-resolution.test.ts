// Model names resolve the same way for a new user (the packaged assets) and a developer (settings,
// JUMPLENS_MODELS, workspace): the order of the folders, and an error that names all of them.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLED_MODELS_DIR, findPackageRoot, modelRoots, REPO_ROOT, resolveModelPath } from '../../../server/src/engine/lm/models-dir';
import { tempDir } from '../../helpers/paths';

test('the package root is the folder with JumpLens package.json, found from any depth below it', () => {
  assert.equal(REPO_ROOT, path.resolve(__dirname, '..', '..', '..'));
  assert.equal(findPackageRoot(path.join(REPO_ROOT, 'dist', 'server')), REPO_ROOT);
  assert.equal(BUNDLED_MODELS_DIR, path.join(REPO_ROOT, 'assets', 'models'));
  const { dir, cleanup } = tempDir();
  try {
    // A package.json of another package on the way up is skipped.
    mkdirSync(path.join(dir, 'ext', 'node_modules', 'x', 'lib'), { recursive: true });
    writeFileSync(path.join(dir, 'ext', 'package.json'), JSON.stringify({ name: 'jumplens' }));
    writeFileSync(path.join(dir, 'ext', 'node_modules', 'x', 'package.json'), JSON.stringify({ name: 'x' }));
    assert.equal(findPackageRoot(path.join(dir, 'ext', 'node_modules', 'x', 'lib')), path.join(dir, 'ext'));
    assert.throws(() => findPackageRoot(dir), /no JumpLens package.json above/);
  } finally {
    cleanup();
  }
});

test('the default model name resolves to the bundled copy with no settings and no JUMPLENS_MODELS', () => {
  assert.equal(resolveModelPath('stories260K.bin', { env: {} }), path.join(BUNDLED_MODELS_DIR, 'stories260K.bin'));
  assert.equal(resolveModelPath('stories260K', { env: {} }), path.join(BUNDLED_MODELS_DIR, 'stories260K.bin'));
});

test('model folders: bundled, jumplens.modelsDir, JUMPLENS_MODELS, workspace folders, package models/; the error names each', () => {
  const { dir, cleanup } = tempDir();
  try {
    const settingsDir = path.join(dir, 'settings');
    const envDir = path.join(dir, 'env');
    const ws = path.join(dir, 'ws');
    for (const d of [settingsDir, envDir, path.join(ws, 'models')]) mkdirSync(d, { recursive: true });
    const o = { modelsDir: settingsDir, env: { JUMPLENS_MODELS: envDir }, workspaceFolders: [ws] };
    assert.deepEqual(
      modelRoots(o).map((r) => r.dir),
      [BUNDLED_MODELS_DIR, settingsDir, envDir, ws, path.join(ws, 'models'), path.join(REPO_ROOT, 'models')],
    );
    // Each folder is found when only it holds the name; an earlier folder wins over a later one.
    writeFileSync(path.join(ws, 'models', 'mine.bin'), '');
    assert.equal(resolveModelPath('mine', o), path.join(ws, 'models', 'mine.bin'));
    writeFileSync(path.join(envDir, 'mine.bin'), '');
    assert.equal(resolveModelPath('mine.bin', o), path.join(envDir, 'mine.bin'));
    writeFileSync(path.join(settingsDir, 'mine.bin'), '');
    assert.equal(resolveModelPath('mine.bin', o), path.join(settingsDir, 'mine.bin'));
    assert.throws(
      () => resolveModelPath('absent.bin', o),
      (e: Error) => {
        for (const d of modelRoots(o)) assert.ok(e.message.includes(d.dir), `error does not name ${d.dir}: ${e.message}`);
        assert.match(e.message, /^model "absent.bin" not found.*jumplens\.modelsDir.*JUMPLENS_MODELS/s);
        return true;
      },
    );
  } finally {
    cleanup();
  }
});
