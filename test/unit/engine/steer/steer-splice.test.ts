// The hook replacement the steering rides on: forwardCached with a replacement sees each pass's
// absolute first position, identity keeps the logits exactly, and a cached replaced run equals the
// uncached runWithReplacement; directLogits is W_U with the final norm's gain folded in (RMSNorm and
// LayerNorm); the splice on GPT-2 and on per-token normalised SAEs; the sampler.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadLlama2c, loadModel } from '../../../../server/src/engine/lm/load-model';
import type { LlamaModel } from '../../../../server/src/engine/lm/llama';
import type { KvCache } from '../../../../server/src/engine/lm/types';
import { greedyGenerate } from '../../../../server/src/engine/lm/generate';
import { normaliseIn } from '../../../../server/src/engine/sae/normalization';
import { steerGenerate } from '../../../../server/src/engine/steer/generate';
import { argmax, makeSampler, seededRandom } from '../../../../server/src/engine/steer/sampling';
import { steeringFn } from '../../../../server/src/engine/steer/splice';
import { asSteerable } from '../../../../server/src/engine/steer/steerable';
import { tf, type Tensor2D, type Tensor3D } from '../../../../server/src/engine/tf';
import { writeTinyGpt2 } from '../../../helpers/lm-fixtures';
import { sharedFile, tempDir } from '../../../helpers/paths';
import { randomSae } from '../../../helpers/sae-fixtures';

let model: LlamaModel;
before(async () => {
  await initBackend();
  model = loadLlama2c(sharedFile('models', 'stories260K.bin'));
});

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('forwardCached with a replacement: pos0 per pass, identity is exact, equals the uncached replaced run', () => {
  const ids = model.tokenizer.encode('Once upon a time, there was a dog').map((t) => t.id);
  const hook = 'blocks.2.hook_resid_post';
  const seen: number[] = [];
  // Doubles the residual from position 4 on: a replacement that depends on absolute position.
  const fn = (act: Tensor3D, pos0 = 0) => {
    seen.push(pos0);
    const s = act.shape[1];
    const w = tf.tensor3d(
      Array.from({ length: s }, (_, i) => (pos0 + i >= 4 ? 2 : 1)),
      [1, s, 1],
    );
    return tf.mul(act, w) as Tensor3D;
  };
  let cache: KvCache | undefined;
  const parts: Tensor3D[] = [];
  for (const end of [3, 6, ids.length]) {
    const r = model.forwardCached(ids.slice(0, end), cache, { hook, fn });
    cache = r.cache;
    parts.push(r.logits);
  }
  assert.deepEqual(seen, [0, 3, 6]);
  const cached = tf.concat(parts, 1);
  const whole = model.runWithReplacement([ids], hook, fn);
  assert.ok(maxAbsDiff(cached, whole) < 1e-4);
  const plain = model.forward([ids]);
  assert.ok(maxAbsDiff(whole, plain) > 0.1, 'the replacement must change the logits');
  const ident = model.forwardCached(ids, undefined, { hook, fn: (a) => a });
  assert.equal(maxAbsDiff(ident.logits, plain), 0);
  tf.dispose([...parts, cached, whole, plain, ident.logits]);
  ident.cache.dispose();
  cache!.dispose();
  assert.throws(() => model.forwardCached(ids, undefined, { hook: 'blocks.9.hook_resid_post', fn: (a) => a }), /layer 9 out of range/);
});

test('directLogits: the final-norm gain folded into W_U, linear in the direction', () => {
  const d = model.config.dModel;
  const dirs = tf.randomNormal([3, d], 0, 1, 'float32', 5) as Tensor2D;
  const out = model.directLogits(dirs);
  assert.deepEqual(out.shape, [3, model.config.vocabSize]);
  // head(x) = W_U · (g ⊙ x / rms(x)), so directLogits(x) = head(x) · rms(x) for RMSNorm models.
  const viaHead = tf.tidy(() => {
    const logits = model.runWithReplacement([[1, 1, 1]], 'blocks.4.hook_resid_post', () => tf.reshape(dirs, [1, 3, d]) as Tensor3D);
    const rms = tf.sqrt(tf.add(tf.mean(tf.square(dirs), -1, true), 1e-5));
    return tf.mul(tf.reshape(logits, [3, -1]), rms);
  });
  assert.ok(maxAbsDiff(out, viaHead) < 1e-3);
  const twice = model.directLogits(tf.mul(dirs, 2) as Tensor2D);
  assert.ok(maxAbsDiff(twice, tf.mul(out, 2)) < 1e-4);
  tf.dispose([dirs, out, viaHead, twice]);
});

test('sampler: greedy is argmax; a seed reproduces; top-p keeps only the nucleus; temperature sharpens', () => {
  const logits = Float32Array.from([0, 3, 1, 2.9, -1]);
  assert.equal(makeSampler({ steps: 1 })(logits), 1);
  assert.equal(argmax([1, 5, 5]), 1);
  const r1 = seededRandom(9);
  const r2 = seededRandom(9);
  const a = Array.from({ length: 5 }, r1);
  assert.deepEqual(a, Array.from({ length: 5 }, r2));
  assert.ok(a.every((x) => x >= 0 && x < 1) && new Set(a).size === 5);
  const draw = (o: { temperature: number; topP?: number; seed?: number }, n = 400) => {
    const pick = makeSampler({ steps: n, ...o });
    const counts = new Array(logits.length).fill(0);
    for (let i = 0; i < n; i++) counts[pick(logits)]++;
    return counts;
  };
  assert.deepEqual(draw({ temperature: 1, seed: 4 }), draw({ temperature: 1, seed: 4 }));
  // p = softmax: tokens 1 and 3 hold ~0.8 of the mass; topP 0.5 keeps only those two.
  const nucleus = draw({ temperature: 1, topP: 0.5 });
  assert.equal(nucleus[0] + nucleus[2] + nucleus[4], 0);
  assert.ok(nucleus[1] > 0 && nucleus[3] > 0);
  const full = draw({ temperature: 1 });
  assert.ok(full[0] + full[2] + full[4] > 0);
  const cold = draw({ temperature: 0.05 });
  assert.ok(cold[1] > 300, `at T=0.05 token 1 should dominate: ${cold}`);
  assert.throws(() => makeSampler({ steps: 1, temperature: -1 }), /temperature -1/);
});

test('GPT-2 (LayerNorm head, no BOS): directLogits centres, splicing without intervention is exact', async () => {
  const tmp = tempDir();
  writeTinyGpt2(tmp.dir);
  const m = asSteerable(await loadModel(tmp.dir));
  const sae = randomSae('jumprelu', m.config.dModel, 32, 3, { metadata: { hook_name: 'blocks.0.hook_resid_post' } });
  try {
    const d = m.config.dModel;
    const dirs = tf.randomNormal([2, d], 0, 1, 'float32', 6) as Tensor2D;
    // head(x) − head(c·1) = W_U · (g ⊙ (x − μ) / σ): scaling by σ gives the direct logits.
    const check = tf.tidy(() => {
      const head = (x: tf.Tensor) =>
        tf.reshape(
          m.runWithReplacement([[5, 6]], 'blocks.1.hook_resid_post', () => tf.reshape(x, [1, 2, d]) as Tensor3D),
          [2, -1],
        );
      const { variance } = tf.moments(dirs, -1, true);
      const viaHead = tf.mul(tf.sub(head(dirs), head(tf.ones([2, d]))), tf.sqrt(tf.add(variance, 1e-5)));
      return maxAbsDiff(viaHead, m.directLogits(dirs));
    });
    assert.ok(check < 1e-3, `directLogits vs head: ${check}`);
    dirs.dispose();
    const prompt = m.tokenizer.encode('the cat').map((t) => t.id);
    const r = steerGenerate(m, sae, prompt, { interventions: [] }, { steps: 8 });
    assert.deepEqual(r.steered.ids, greedyGenerate(m, prompt, 8).slice(prompt.length));
    assert.deepEqual(r.steered.ids, r.unsteered.ids);
  } finally {
    sae.dispose();
    m.dispose();
    tmp.cleanup();
  }
});

test('per-token normalised SAEs (layer_norm): ablating every feature leaves x − x̂ + decode(0) in raw units', () => {
  const d = 8;
  const sae = randomSae('jumprelu', d, 16, 2, { normalize_activations: 'layer_norm' });
  const all = Array.from({ length: 16 }, (_, feature) => ({ feature, mode: 'ablate' as const }));
  const act = tf.randomNormal([1, 3, d], 1, 2, 'float32', 11) as Tensor3D;
  const err = tf.tidy(() => {
    const out = tf.reshape(steeringFn(sae, all, 0)(act, 0), [3, d]);
    const x = tf.reshape(act, [3, d]) as Tensor2D;
    const { undo } = normaliseIn(x, 'layer_norm');
    const want = tf.add(tf.sub(x, sae.forward(x)), undo(tf.tile(tf.reshape(sae.params().b_dec, [1, d]), [3, 1]) as Tensor2D));
    return maxAbsDiff(out, want);
  });
  assert.ok(err < 1e-4, `max error ${err}`);
  // Steering that starts after the rows leaves them bit for bit.
  const later = steeringFn(sae, all, 5)(act, 0);
  assert.equal(maxAbsDiff(later, act), 0);
  tf.dispose([act, later]);
  sae.dispose();
});
