// SAE evaluation metrics against cases whose answers are known by construction, and delta LM loss
// on a small linear "language model" implementing the LanguageModel contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf, type Tensor2D, type Tensor3D } from '../../../../server/src/engine/tf';
import { evaluateSae, type EncoderDecoder } from '../../../../server/src/engine/eval/sae-metrics';
import { deltaLmLoss } from '../../../../server/src/engine/eval/lm-loss';
import type { LanguageModel } from '../../../../server/src/engine/lm/types';
import { syntheticActivations } from '../../../helpers/synthetic-acts';

const D = 8;
const rows = syntheticActivations(3000, D, 20, 2, 5);

// An SAE whose latents are [relu(x), relu(-x)] (2·D features) reconstructs exactly.
const exact: EncoderDecoder = {
  dSae: 2 * D,
  encode: (x) => tf.tidy(() => tf.concat([tf.relu(x), tf.relu(tf.neg(x))], 1) as Tensor2D),
  decode: (f) => tf.tidy(() => tf.sub(tf.slice(f, [0, 0], [-1, D]), tf.slice(f, [0, D], [-1, D])) as Tensor2D),
};

test('an exact SAE has FVU 0 and L0 equal to the number of non-zero coordinates', async () => {
  await initBackend();
  const ev = evaluateSae(exact, rows, D, 700);
  assert.ok(ev.metrics['metrics/fvu'] < 1e-10);
  let nz = 0;
  for (const v of rows) if (v !== 0) nz++;
  assert.ok(Math.abs(ev.metrics['metrics/l0'] - nz / 3000) < 1e-6);
  assert.equal(ev.metrics.tokens, 3000);
});

test('predicting the dataset mean gives FVU 1; a never-firing feature is dead; frequencies are exact', async () => {
  await initBackend();
  const mean = new Float32Array(D);
  for (let i = 0; i < rows.length; i++) mean[i % D] += rows[i] / 3000;
  // Feature 0 fires on rows whose first coordinate is positive; feature 1 never fires.
  const meanSae: EncoderDecoder = {
    dSae: 2,
    encode: (x) => tf.tidy(() => tf.concat([tf.cast(tf.greater(tf.slice(x, [0, 0], [-1, 1]), 0), 'float32'), tf.zeros([x.shape[0], 1])], 1) as Tensor2D),
    decode: (f) => tf.tidy(() => tf.add(tf.zeros([f.shape[0], D]), tf.tensor1d(mean)) as Tensor2D),
  };
  const before = tf.memory().numTensors;
  const ev = evaluateSae(meanSae, rows, D, 1024);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Math.abs(ev.metrics['metrics/fvu'] - 1) < 1e-4, `fvu ${ev.metrics['metrics/fvu']}`);
  let pos = 0;
  for (let r = 0; r < 3000; r++) if (rows[r * D] > 0) pos++;
  assert.ok(Math.abs(ev.frequencies[0] - pos / 3000) < 1e-6);
  assert.equal(ev.metrics['sparsity/dead_features'], 1);
  assert.equal(ev.metrics['sparsity/above_10pct'], pos / 3000 > 0.1 ? 1 : 0);
  assert.equal(
    ev.histogram.counts.reduce((a, b) => a + b, 0),
    1,
  );
});

/** A bigram-ish LM: act = embedding[id] at the hook, logits = act · U. */
function linearLm(V: number, d: number): LanguageModel {
  const E = tf.randomNormal([V, d], 0, 1, 'float32', 7) as Tensor2D;
  const U = tf.randomNormal([d, V], 0, 1, 'float32', 8) as Tensor2D;
  const embed = (ids: number[][]) => tf.reshape(tf.gather(E, tf.tensor1d(ids.flat(), 'int32')), [ids.length, ids[0].length, d]) as Tensor3D;
  const head = (act: Tensor3D) => tf.reshape(tf.matMul(tf.reshape(act, [-1, d]), U), [act.shape[0], act.shape[1], V]) as Tensor3D;
  return {
    config: { architecture: 'llama', name: 'linear', dModel: d, nLayers: 1, nHeads: 1, nKvHeads: 1, vocabSize: V, maxSeqLen: 64 },
    tokenizer: { vocabSize: V, bosId: 1, eosId: 2, encode: () => [], decode: () => '', idToPiece: (i) => String(i) },
    hookNames: () => ['hook_embed'],
    forward: (ids) => tf.tidy(() => head(embed(ids))),
    runToHook: (ids) => embed(ids),
    runWithReplacement: (ids, _hook, fn) => tf.tidy(() => head(fn(embed(ids)))),
    runToHookCached: () => {
      throw new Error('not used');
    },
    dispose: () => tf.dispose([E, U]),
  };
}

test('delta LM loss: 0 and full recovery for an exact SAE, 0 recovery for a zero SAE, in between for a lossy one', async () => {
  await initBackend();
  const lm = linearLm(11, D);
  const seqs = Array.from({ length: 5 }, (_, i) => [1, ...Array.from({ length: 9 }, (_, j) => 3 + ((i * 7 + j * 3) % 8))]);
  const r1 = await deltaLmLoss(lm, exact, 'hook_embed', seqs, 2);
  assert.ok(Math.abs(r1.delta_lm_loss) < 1e-5);
  assert.ok(Math.abs(r1.loss_recovered - 1) < 1e-4);
  assert.equal(r1.tokens, 5 * 9);
  const zero: EncoderDecoder = { dSae: 1, encode: (x) => tf.zeros([x.shape[0], 1]), decode: (f) => tf.zeros([f.shape[0], D]) };
  const r0 = await deltaLmLoss(lm, zero, 'hook_embed', seqs);
  assert.ok(Math.abs(r0.loss_recovered) < 1e-6);
  assert.ok(Math.abs(r0.ce_sae - r0.ce_zero_ablation) < 1e-6);
  const half: EncoderDecoder = { dSae: D, encode: (x) => tf.tidy(() => tf.mul(x, 0.5) as Tensor2D), decode: (f) => f };
  const before = tf.memory().numTensors;
  const rh = await deltaLmLoss(lm, half, 'hook_embed', seqs);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(rh.delta_lm_loss !== 0 && Math.abs(rh.ce_sae - r1.ce_clean) > 1e-4);
  assert.ok(Math.abs(rh.ce_clean - r1.ce_clean) < 1e-5);
  lm.dispose();
});
