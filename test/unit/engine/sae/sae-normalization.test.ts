import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { createSae } from '../../../../server/src/engine/sae/create';
import { loadSae, saveSae } from '../../../../server/src/engine/sae/io';
import { cfgOf } from '../../../helpers/sae-fixtures';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

const eyeSae = (norm: 'layer_norm' | 'constant_norm_rescale') =>
  createSae(cfgOf('standard', 4, 4, { normalize_activations: norm }), { W_enc: tf.eye(4), b_enc: tf.zeros([4]), W_dec: tf.eye(4), b_dec: tf.zeros([4]) });

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('layer_norm divides by the unbiased std plus 1e-5, as SAELens (torch .std) does', () => {
  const sae = eyeSae('layer_norm');
  // x = [1, 2, 3, 6]: μ = 3, centred [-2, -1, 0, 3], Σ² = 14, unbiased σ = sqrt(14/3) ≈ 2.16025.
  // A biased σ (sqrt(3.5)) would give 1.60357 for the last entry instead of 1.38873.
  const x = tf.tensor2d([[1, 2, 3, 6]]) as Tensor2D;
  const sigma = Math.sqrt(14 / 3);
  const f = sae.encode(x);
  close(f.dataSync(), [0, 0, 0, 3 / (sigma + 1e-5)], 1e-5, 'layer_norm f');
  // decode alone cannot undo a per-token normalisation (it never saw x); forward can.
  const d = sae.decode(f);
  close(d.dataSync(), [0, 0, 0, 3 / (sigma + 1e-5)], 1e-5, 'layer_norm decode');
  const y = sae.forward(x);
  close(y.dataSync(), [3, 3, 3, 3 + (3 / (sigma + 1e-5)) * sigma], 1e-4, 'layer_norm forward');
  tf.dispose([x, f, d, y]);
  sae.dispose();
});

test('constant_norm_rescale scales each token to norm sqrt(d_in) and back', () => {
  const sae = eyeSae('constant_norm_rescale');
  // Token 1: ‖x‖ = 5, factor 2/5. Token 2: ‖x‖ = 1, factor 2.
  const x = tf.tensor2d([
    [3, 4, 0, 0],
    [0, 0, 1, 0],
  ]) as Tensor2D;
  const f = sae.encode(x);
  close(f.dataSync(), [1.2, 1.6, 0, 0, 0, 0, 2, 0], 1e-5, 'constant_norm_rescale f');
  const y = sae.forward(x);
  close(y.dataSync(), [3, 4, 0, 0, 0, 0, 1, 0], 1e-5, 'constant_norm_rescale forward');
  tf.dispose([x, f, y]);
  sae.dispose();
});

test("expected_average_only_in with a scaling factor equals SAELens's folded SAE, and survives save/load", async () => {
  const s = 2.5;
  const dIn = 6;
  const dSae = 10;
  const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 0.5, 'float32', seed);
  const W_enc = r([dIn, dSae], 1);
  const W_dec = r([dSae, dIn], 2);
  const b_dec = r([dIn], 3);
  const b_enc = r([dSae], 4);
  const threshold = tf.abs(r([dSae], 5));
  const scaled = createSae(
    cfgOf('jumprelu', dIn, dSae, { normalize_activations: 'expected_average_only_in', apply_b_dec_to_input: true }),
    { W_enc: W_enc.clone(), W_dec: W_dec.clone(), b_dec: b_dec.clone(), b_enc: b_enc.clone(), threshold: threshold.clone() },
    { scalingFactor: s },
  );
  // fold_activation_norm_scaling_factor: W_enc·s, W_dec/s, b_dec/s, normalisation off.
  const folded = createSae(cfgOf('jumprelu', dIn, dSae, { apply_b_dec_to_input: true }), {
    W_enc: tf.mul(W_enc, s),
    W_dec: tf.div(W_dec, s),
    b_dec: tf.div(b_dec, s),
    b_enc,
    threshold,
  });
  tf.dispose([W_enc, W_dec, b_dec]);
  const x = tf.randomNormal([5, dIn], 0, 2, 'float32', 9) as Tensor2D;
  const outs = [scaled.encode(x), folded.encode(x), scaled.forward(x), folded.forward(x)];
  assert.ok(
    Array.from(outs[0].dataSync()).some((v) => v > 0),
    'some feature fires',
  );
  close(outs[0].dataSync(), outs[1].dataSync(), 1e-4, 'encode');
  close(outs[2].dataSync(), outs[3].dataSync(), 1e-4, 'forward');
  const dec = [scaled.decode(outs[0]), folded.decode(outs[1])];
  close(dec[0].dataSync(), dec[1].dataSync(), 1e-4, 'decode');

  const { dir, cleanup } = tempDir();
  try {
    await saveSae(dir, scaled);
    const back = await loadSae(dir);
    const again = back.forward(x);
    close(again.dataSync(), outs[2].dataSync(), 1e-5, 'forward after save/load');
    tf.dispose(again);
    back.dispose();
  } finally {
    cleanup();
  }
  tf.dispose([x, ...outs, ...dec]);
  scaled.dispose();
  folded.dispose();
});

test('encode and decode reject inputs of the wrong width, naming the expected size', () => {
  const sae = eyeSae('layer_norm');
  const x = tf.zeros([2, 5]) as Tensor2D;
  assert.throws(() => sae.encode(x), /d_in=4.*\[2, 5\]/);
  assert.throws(() => sae.decode(x), /d_sae=4.*\[2, 5\]/);
  tf.dispose(x);
  sae.dispose();
});

test('normalised encode/forward leak no tensors', () => {
  for (const norm of ['layer_norm', 'constant_norm_rescale'] as const) {
    const sae = eyeSae(norm);
    const x = tf.tensor2d([[1, 2, 3, 6]]) as Tensor2D;
    tf.dispose([sae.encode(x), sae.forward(x)]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose([sae.encode(x), sae.forward(x), sae.decode(x)]);
    assert.equal(tf.memory().numTensors, before, norm);
    x.dispose();
    sae.dispose();
  }
});
