import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { createSae, gatedToJumpRelu } from '../../../../server/src/engine/sae/create';
import { loadSae, saveSae } from '../../../../server/src/engine/sae/io';
import { cfgOf, randomSae } from '../../../helpers/sae-fixtures';
import { REPO_ROOT, tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

test('gatedToJumpRelu gives a JumpReLU SAE with the same features and reconstructions, θ by hand', () => {
  // d_in = 1, d_sae = 2: r_mag = [0, ln 2], b_gate = [1, −1], b_mag = [0.5, 0] -> θ = [0.5 − 1, 0 + 2] = [−0.5, 2].
  const g = createSae(cfgOf('gated', 1, 2), {
    W_enc: tf.tensor2d([[1, 1]]),
    b_gate: tf.tensor1d([1, -1]),
    r_mag: tf.tensor1d([0, Math.log(2)]),
    b_mag: tf.tensor1d([0.5, 0]),
    W_dec: tf.tensor2d([[1], [1]]),
    b_dec: tf.tensor1d([0]),
  });
  const jr = gatedToJumpRelu(g);
  assert.equal(jr.architecture, 'jumprelu');
  assert.equal(jr.cfg.metadata.converted_from, 'gated');
  const th = Array.from(jr.threshold()!.dataSync());
  assert.ok(maxDiff(th, [-0.5, 2]) < 1e-6, `θ ${th}`);
  // x = 3: gate [4, 2] both open; mag [3.5, 6] -> f = [3.5, 6]. x = 0.5: gate [1.5, −0.5] -> f = [1, 0].
  const x = tf.tensor2d([[3], [0.5], [-2]]) as Tensor2D;
  const fg = g.encode(x).dataSync();
  const fj = jr.encode(x).dataSync();
  assert.ok(maxDiff(fg, [3.5, 6, 1, 0, 0, 0]) < 1e-5, `gated f ${fg}`);
  assert.ok(maxDiff(fj, fg) < 1e-5, `jumprelu f ${fj}`);
  g.dispose();
  // The converted SAE owns its tensors: disposing the gated one leaves it usable.
  assert.ok(maxDiff(jr.forward(x).dataSync(), [9.5, 1, 0]) < 1e-5);
  assert.throws(() => gatedToJumpRelu(jr), /expected a gated SAE, got jumprelu/);
  jr.dispose();
  x.dispose();
});

test('jumplens sae convert --to-jumprelu writes a Gated SAE as an equivalent jumprelu folder', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const g = randomSae('gated', 6, 20, 4, { apply_b_dec_to_input: true });
    await saveSae(path.join(dir, 'gated'), g);
    const r = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'jumplens'), 'sae', 'convert', path.join(dir, 'gated'), path.join(dir, 'jr'), '--to-jumprelu'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const cfg = JSON.parse(readFileSync(path.join(dir, 'jr', 'cfg.json'), 'utf8'));
    assert.equal(cfg.architecture, 'jumprelu');
    assert.equal(cfg.apply_b_dec_to_input, true);
    const jr = await loadSae(path.join(dir, 'jr'));
    assert.deepEqual(Object.keys(jr.params()).sort(), ['W_dec', 'W_enc', 'b_dec', 'b_enc', 'threshold']);
    const x = tf.randomNormal([16, 6], 0, 1, 'float32', 2) as Tensor2D;
    const a = g.encode(x).dataSync();
    assert.ok(Array.from(a).some((v) => v > 0));
    assert.ok(maxDiff(jr.encode(x).dataSync(), a) < 1e-5);
    tf.dispose(x);
    g.dispose();
    jr.dispose();
  } finally {
    cleanup();
  }
});
