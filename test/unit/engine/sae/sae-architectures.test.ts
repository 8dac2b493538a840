import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { createSae } from '../../../../server/src/engine/sae/create';
import { gatedToJumpReluParams } from '../../../../server/src/engine/sae/gated';
import { sparseTopK } from '../../../../server/src/engine/sae/sparse-topk';
import type { SaeArchitecture } from '../../../../server/src/engine/sae/types';
import { cfgOf, randomSae } from '../../../helpers/sae-fixtures';

before(async () => {
  await initBackend();
});

const t2 = (rows: number[][]) => tf.tensor2d(rows);
const arr = (t: tf.Tensor) => Array.from(t.dataSync()).map((v) => Math.round(v * 1e5) / 1e5);

// d_in = 2, d_sae = 3. W_enc = identity-ish so z is easy to read off: z = x W_enc + b_enc.
const W_enc = [
  [1, 0, 1],
  [0, 1, -1],
];
const W_dec = [
  [1, 0],
  [0, 2],
  [1, 1],
];

test('JumpReLU: f = z·H(z−θ) with strict comparison; decode is f W_dec + b_dec', () => {
  const sae = createSae(cfgOf('jumprelu', 2, 3), {
    W_enc: t2(W_enc),
    b_enc: tf.tensor1d([0, 0, 0.5]),
    threshold: tf.tensor1d([1, 0.5, 2]),
    W_dec: t2(W_dec),
    b_dec: tf.tensor1d([0.1, -0.1]),
  });
  // x = [1, 3]: z = [1, 3, 1 - 3 + 0.5 = -1.5]; θ = [1, .5, 2] -> z0 = θ0 exactly: off (strict >).
  const x = t2([
    [1, 3],
    [2, 0.5],
  ]);
  const f = sae.encode(x);
  assert.deepEqual(arr(f), [0, 3, 0, 2, 0, 0]); // row 2: z = [2, .5, 2], θ = [1, .5, 2] -> only z0 fires
  assert.deepEqual(arr(sae.decode(f)), [0.1, 5.9, 2.1, -0.1]);
  assert.deepEqual(arr(sae.forward(x)), [0.1, 5.9, 2.1, -0.1]);
  sae.dispose();
});

test('JumpReLU with θ = 0 equals a ReLU SAE with the same weights', () => {
  const jr = randomSae('jumprelu', 8, 32, 3);
  const p = jr.params();
  const relu = createSae(cfgOf('standard', 8, 32), { W_enc: p.W_enc.clone(), b_enc: p.b_enc.clone(), W_dec: p.W_dec.clone(), b_dec: p.b_dec.clone() });
  const zeroTheta = createSae(cfgOf('jumprelu', 8, 32), {
    W_enc: p.W_enc.clone(),
    b_enc: p.b_enc.clone(),
    W_dec: p.W_dec.clone(),
    b_dec: p.b_dec.clone(),
    threshold: tf.zeros([32]),
  });
  const x = tf.randomNormal([16, 8], 0, 1, 'float32', 9) as Tensor2D;
  const a = relu.encode(x).dataSync();
  const b = zeroTheta.encode(x).dataSync();
  assert.ok(a.some((v) => v > 0) && a.some((v) => v === 0), 'a mix of active and inactive features');
  assert.deepEqual(Array.from(a), Array.from(b));
  // ... while the learned θ > 0 of the original switches some of those features off.
  assert.ok(Array.from(jr.encode(x).dataSync()).filter((v) => v > 0).length < a.filter((v) => v > 0).length);
  [jr, relu, zeroTheta].forEach((s) => s.dispose());
});

test('apply_b_dec_to_input subtracts b_dec before the encoder', () => {
  const mk = (apply: boolean) =>
    createSae(cfgOf('standard', 2, 3, { apply_b_dec_to_input: apply }), {
      W_enc: t2(W_enc),
      b_enc: tf.zeros([3]),
      W_dec: t2(W_dec),
      b_dec: tf.tensor1d([1, 1]),
    });
  const x = t2([[3, 2]]);
  assert.deepEqual(arr(mk(false).encode(x)), [3, 2, 1]);
  assert.deepEqual(arr(mk(true).encode(x)), [2, 1, 1]); // (x - [1,1]) W_enc = [2, 1, 1]
});

test('ReLU, TopK and BatchTopK by hand', () => {
  const base = { W_enc: W_enc, W_dec: W_dec };
  const x = t2([[1, 3]]); // z = [1, 3, -2] + b_enc
  const relu = createSae(cfgOf('standard', 2, 3), { W_enc: t2(base.W_enc), b_enc: tf.tensor1d([0, 0, 0]), W_dec: t2(base.W_dec), b_dec: tf.zeros([2]) });
  assert.deepEqual(arr(relu.encode(x)), [1, 3, 0]);
  const topk = createSae(cfgOf('topk', 2, 3, { k: 1 }), { W_enc: t2(base.W_enc), b_enc: tf.tensor1d([0, 0, 0]), W_dec: t2(base.W_dec), b_dec: tf.zeros([2]) });
  assert.deepEqual(arr(topk.encode(x)), [0, 3, 0]);
  // TopK never keeps a negative pre-activation even when it is among the top k.
  const topk3 = createSae(cfgOf('topk', 2, 3, { k: 3 }), { W_enc: t2(base.W_enc), b_enc: tf.tensor1d([0, 0, 0]), W_dec: t2(base.W_dec), b_dec: tf.zeros([2]) });
  assert.deepEqual(arr(topk3.encode(x)), [1, 3, 0]);
  // BatchTopK at inference: one global threshold, from a scalar tensor.
  const btk = createSae(cfgOf('batchtopk', 2, 3), {
    W_enc: t2(base.W_enc),
    b_enc: tf.tensor1d([0, 0, 0]),
    W_dec: t2(base.W_dec),
    b_dec: tf.zeros([2]),
    threshold: tf.scalar(1.5),
  });
  assert.deepEqual(arr(btk.encode(x)), [0, 3, 0]);
  assert.deepEqual(arr(btk.threshold()!), [1.5, 1.5, 1.5]);
});

test('TopK with rescale_acts_by_decoder_norm selects on z·‖d_i‖ and decodes with unit rows', () => {
  // ‖d‖ = [1, 2, √2]; z = [1, 3, -2]: scaled z = [1, 6, -2.83]; k = 1 keeps feature 1 with value 6.
  const sae = createSae(cfgOf('topk', 2, 3, { k: 1, rescale_acts_by_decoder_norm: true }), {
    W_enc: t2(W_enc),
    b_enc: tf.zeros([3]),
    W_dec: t2(W_dec),
    b_dec: tf.zeros([2]),
  });
  const f = sae.encode(t2([[1, 3]]));
  assert.deepEqual(arr(f), [0, 6, 0]);
  assert.deepEqual(arr(sae.decode(f)), [0, 6]); // 6 · d_1/‖d_1‖ = 6 · [0, 1]
});

test('Gated by hand, and a Gated SAE equals the JumpReLU with θ = b_mag − exp(r_mag)·b_gate', () => {
  const g = createSae(cfgOf('gated', 2, 3), {
    W_enc: t2(W_enc),
    b_gate: tf.tensor1d([-2, 0, 0]),
    r_mag: tf.tensor1d([0, Math.log(2), 0]),
    b_mag: tf.tensor1d([0, 1, 0]),
    W_dec: t2(W_dec),
    b_dec: tf.zeros([2]),
  });
  // x = [1, 3]: xW = [1, 3, -2]; gate = xW + b_gate = [-1, 3, -2] > 0 -> [0, 1, 0]; mag = [1, 7, -2].
  assert.deepEqual(arr(g.encode(t2([[1, 3]]))), [0, 7, 0]);
  g.dispose();
  for (const seed of [1, 2, 3]) {
    const gated = randomSae('gated', 16, 64, seed);
    const jr = createSae(cfgOf('jumprelu', 16, 64), gatedToJumpReluParams(gated.params()));
    const x = tf.randomNormal([32, 16], 0, 1, 'float32', seed) as Tensor2D;
    const a = gated.encode(x).dataSync();
    const b = jr.encode(x).dataSync();
    assert.ok(a.some((v) => v > 0));
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    assert.ok(maxDiff < 1e-5, `gated vs jumprelu max diff ${maxDiff}`);
    assert.deepEqual(arr(gated.threshold()!), arr(jr.threshold()!));
    gated.dispose();
    jr.dispose();
  }
});

test('normalize_activations: constant_norm_rescale and layer_norm undo themselves in forward()', () => {
  for (const norm of ['constant_norm_rescale', 'layer_norm'] as const) {
    // A perfect autoencoder in the normalised space (W_enc = W_dec = I, no sparsity loss) must
    // return the raw input, which only holds if the output normalisation is undone.
    const eye = tf.eye(4);
    const sae = createSae(cfgOf('standard', 4, 4, { normalize_activations: norm }), {
      W_enc: eye,
      b_enc: tf.zeros([4]),
      W_dec: eye.clone(),
      b_dec: tf.zeros([4]),
    });
    const x = t2([[3, 1, 2, 5]]); // all positive after normalisation only for constant_norm_rescale
    const y = sae.forward(x).dataSync();
    if (norm === 'constant_norm_rescale')
      assert.deepEqual(
        Array.from(y).map((v) => Math.round(v * 1e4) / 1e4),
        [3, 1, 2, 5],
      );
    else {
      // layer_norm centres, so negative entries are cut by the ReLU; the positive ones come back exactly.
      const ln = Array.from(y);
      assert.ok(Math.abs(ln[3] - 5) < 1e-4 && Math.abs(ln[0] - 3) < 1e-4, `layer_norm forward ${ln}`);
    }
    const f = sae.encode(x).dataSync();
    assert.ok(Math.abs(Math.hypot(...f) - 2) > 1e-3 || norm === 'constant_norm_rescale');
    sae.dispose();
  }
});

test('sparse top-k per token: ids and values strongest first, L0, zeros past L0', async () => {
  const f = t2([
    [0, 5, 0, 1, 3],
    [0, 0, 0, 0, 0],
    [2, 0, 0, 0, 0],
  ]);
  const s = await sparseTopK(f, 3);
  assert.equal(s.n, 3);
  assert.equal(s.k, 3);
  assert.deepEqual(Array.from(s.l0), [3, 0, 1]);
  assert.deepEqual(Array.from(s.indices.slice(0, 3)), [1, 4, 3]);
  assert.deepEqual(Array.from(s.values.slice(0, 3)), [5, 3, 1]);
  assert.deepEqual(Array.from(s.values.slice(3, 6)), [0, 0, 0]);
  assert.equal(s.values[6], 2);
  assert.equal(s.indices[6], 0);
});

test('encode/decode/forward/sparseTopK leak no tensors over repeated calls', async () => {
  for (const arch of ['jumprelu', 'standard', 'topk', 'batchtopk', 'gated'] as SaeArchitecture[]) {
    const sae = randomSae(arch, 8, 32, 5);
    const x = tf.randomNormal([4, 8]) as Tensor2D;
    const run = async () => {
      const f = sae.encode(x);
      tf.dispose([f, sae.decode(f), sae.forward(x)]);
      const g = sae.encode(x);
      await sparseTopK(g, 4);
      g.dispose();
      sae.threshold(); // owned by the SAE: repeated calls must not allocate
    };
    await run();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) await run();
    assert.equal(tf.memory().numTensors, n0, `${arch} leaks`);
    sae.dispose();
    x.dispose();
  }
});

test('JumpReLU from the fused ReLU(z) equals z·H(z−θ) for positive, zero and negative θ, ties included', async () => {
  const { jumpRelu, jumpReluOfRelu } = await import('../../../../server/src/engine/sae/jumprelu');
  // Columns: θ = 0.5, 0, −0.5, 2; rows put z below, at, and above each θ and at 0.
  const z = t2([
    [0.5, 0, -0.5, 2],
    [0.4, -0.1, -0.6, 1.9],
    [0.6, 0.1, -0.4, 2.1],
    [0, 0, 0, 0],
    [-1, -1, -1, -1],
  ]);
  const theta = tf.tensor1d([0.5, 0, -0.5, 2]);
  const a = jumpRelu(z, theta);
  const b = jumpReluOfRelu(tf.relu(z) as Tensor2D, theta);
  assert.deepEqual(arr(a), arr(b));
  assert.deepEqual(arr(a), [0, 0, 0, 0, 0, 0, 0, 0, 0.6, 0.1, 0, 2.1, 0, 0, 0, 0, 0, 0, 0, 0]);
  tf.dispose([z, theta, a, b]);
});
