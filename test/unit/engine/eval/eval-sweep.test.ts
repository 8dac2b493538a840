// Sweep plumbing without training: run expansion from a sweep config, the CSV table, the frontier
// SVG (one line per architecture), and threshold rescaling of a JumpReLU SAE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { expandRuns } from '../../../../server/src/engine/train/sweep';
import type { SweepConfig } from '../../../../protocol/sweep';
import { paretoSvg, toCsv } from '../../../../server/src/engine/eval/plots';
import { rescaledJumpRelu } from '../../../../server/src/engine/eval/eval-command';
import type { Sae } from '../../../../server/src/engine/sae/types';

test('expandRuns makes one run per sparsity value with the common fields, and rejects a run without one', () => {
  const cfg = {
    model: 'm',
    hook: 'h',
    corpus: 'c',
    out: 'o',
    common: { d_sae: 64, steps: 10 },
    runs: [
      { architecture: 'jumprelu', l0Coefficient: [0.1, 0.2] },
      { architecture: 'topk', k: 4 },
    ],
  } as unknown as SweepConfig;
  const runs = expandRuns(cfg);
  assert.deepEqual(
    runs.map((r) => r.name),
    ['jumprelu-l0Coefficient-0.1', 'jumprelu-l0Coefficient-0.2', 'topk-k-4'],
  );
  assert.equal(runs[1].train.l0Coefficient, 0.2);
  assert.equal(runs[2].train.d_sae, 64);
  assert.throws(() => expandRuns({ ...cfg, runs: [{ architecture: 'gated' }] } as unknown as SweepConfig), /gated.*needs one of/);
});

test('the frontier SVG has a line per architecture and the CSV one row per run', async () => {
  const rows = [
    { name: 'a', architecture: 'jumprelu', 'metrics/l0': 10, 'metrics/fvu': 0.2, delta_lm_loss: 0.3 },
    { name: 'b', architecture: 'jumprelu', 'metrics/l0': 20, 'metrics/fvu': 0.1, delta_lm_loss: 0.2 },
    { name: 'c', architecture: 'topk', 'metrics/l0': 16, 'metrics/fvu': 0.15, delta_lm_loss: 0.25 },
  ];
  const svg = await paretoSvg(rows, 'test frontier');
  assert.match(svg, /^<svg/);
  assert.match(svg, /jumprelu/);
  assert.match(svg, /topk/);
  assert.match(svg, /delta LM loss/);
  const csv = toCsv(rows).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.equal(csv[0], 'name,architecture,metrics/l0,metrics/fvu,delta_lm_loss');
  assert.equal(csv[3], 'c,topk,16,0.15,0.25');
});

test('rescaling thresholds: scale 1 reproduces the SAE, larger scales fire fewer latents', async () => {
  await initBackend();
  const W = tf.tensor2d([
    [1, -1, 0.5],
    [0.5, 1, -1],
  ]); // [d_in=2, d_sae=3]
  const b = tf.tensor1d([0, 0.1, 0]);
  const th = tf.tensor1d([0.2, 0.3, 0.4]);
  const Wd = tf.tensor2d([
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  const bd = tf.tensor1d([0.05, -0.05]);
  const encode = (x: Tensor2D) =>
    tf.tidy(() => {
      const pi = tf.add(tf.matMul(x, W), b);
      return tf.mul(pi, tf.cast(tf.greater(pi, th), 'float32')) as Tensor2D;
    });
  const sae = {
    cfg: { architecture: 'jumprelu', d_in: 2, d_sae: 3, dtype: 'float32', apply_b_dec_to_input: false, normalize_activations: 'none', metadata: {} },
    dIn: 2,
    dSae: 3,
    architecture: 'jumprelu',
    hookName: '',
    encode,
    decode: (f: Tensor2D) => tf.tidy(() => tf.add(tf.matMul(f, Wd), bd) as Tensor2D),
    forward: (x: Tensor2D) => x,
    threshold: () => th,
    params: () => ({ W_enc: W, b_enc: b, W_dec: Wd, b_dec: bd, threshold: th }),
    dispose: () => {},
  } as unknown as Sae;
  const x = tf.tensor2d([
    [1, 0.2],
    [0.3, 0.6],
    [-0.5, 1],
    [0.25, 0.25],
  ]);
  const same = rescaledJumpRelu(sae, 1).encode(x);
  const ref = encode(x);
  assert.deepEqual(Array.from(same.dataSync()), Array.from(ref.dataSync()));
  const count = (s: number) => tf.tidy(() => tf.sum(tf.cast(tf.greater(rescaledJumpRelu(sae, s).encode(x), 0), 'float32')).dataSync()[0]);
  assert.ok(count(2) < count(1) && count(1) < count(0.25), `${count(0.25)} ${count(1)} ${count(2)}`);
  assert.throws(() => rescaledJumpRelu({ ...sae, architecture: 'topk' } as Sae, 1), /jumprelu SAE/);
  tf.dispose([W, b, th, Wd, bd, x, same, ref]);
});
