import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadSae, logDensity, readSparsity, saveSae, SPARSITY_FILE } from '../../../../server/src/engine/sae/io';
import { readSafetensorsHeader, writeSafetensors } from '../../../../server/src/engine/io/safetensors';
import { randomSae } from '../../../helpers/sae-fixtures';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

test("logDensity is log10(count/n + 1e-10), SAELens's stored value", () => {
  const d = logDensity([0, 1, 50, 100], 100);
  assert.equal(d[0], Math.fround(-10));
  assert.equal(d[1], Math.fround(Math.log10(0.01 + 1e-10)));
  assert.equal(d[2], Math.fround(Math.log10(0.5 + 1e-10)));
  assert.ok(Math.abs(d[3]) < 1e-9);
  assert.throws(() => logDensity([1], 0), /nTokens/);
});

test('sparsity.safetensors: written beside the SAE in SAELens layout, read back, absent is undefined', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sae = randomSae('jumprelu', 4, 6);
    await saveSae(dir, sae);
    assert.equal(readSparsity(dir, 6), undefined);
    const logS = logDensity([0, 3, 7, 10, 1, 5], 10);
    await saveSae(dir, sae, { logSparsity: logS });
    const h = readSafetensorsHeader(path.join(dir, SPARSITY_FILE));
    assert.deepEqual([...h.entries.keys()], ['sparsity']);
    assert.equal(h.entries.get('sparsity')!.dtype, 'F32');
    assert.deepEqual(h.entries.get('sparsity')!.shape, [6]);
    assert.deepEqual(Array.from(readSparsity(dir, 6)!), Array.from(logS));
    // The SAE itself still loads from the folder that now also holds sparsity.safetensors.
    const back = await loadSae(dir);
    assert.equal(back.dSae, 6);
    back.dispose();
    await assert.rejects(saveSae(dir, sae, { logSparsity: new Float32Array(5) }), /sparsity has 5 entries, the SAE 6/);
    sae.dispose();
  } finally {
    cleanup();
  }
});

test('bad sparsity files name the file, the tensor and the problem', () => {
  const { dir, cleanup } = tempDir();
  try {
    const file = path.join(dir, SPARSITY_FILE);
    writeSafetensors(file, { density: { data: new Float32Array(3), shape: [3] } });
    assert.throws(
      () => readSparsity(dir, 3),
      (e: Error) => e.message.includes(file) && /missing tensor sparsity/.test(e.message),
    );
    writeSafetensors(file, { sparsity: { data: new Float32Array(4), shape: [4] } });
    assert.throws(() => readSparsity(dir, 3), /tensor sparsity has shape \[4\] but the SAE has d_sae=3/);
    writeSafetensors(file, { sparsity: { data: new Float32Array([-1, NaN, -2]), shape: [3] } });
    assert.throws(() => readSparsity(dir, 3), /tensor sparsity holds NaN at feature 1/);
    writeSafetensors(file, { sparsity: { data: new Float32Array([-1, 0.5, -2]), shape: [3] } });
    assert.throws(() => readSparsity(dir, 3), /holds 0.5 at feature 1, not a log10 density/);
  } finally {
    cleanup();
  }
});
