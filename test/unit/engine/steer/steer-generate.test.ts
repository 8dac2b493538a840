// Steering on the real stories260K with the shipped default SAE (blocks.2.hook_resid_post): the
// splice with its error term leaves the model exact, ablation acts only where the feature fires,
// clamping pushes the decoder direction's promoted tokens up, sampling is reproducible, no leaks.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { greedyGenerate } from '../../../../server/src/engine/lm/generate';
import { loadLlama2c } from '../../../../server/src/engine/lm/load-model';
import type { LlamaModel } from '../../../../server/src/engine/lm/llama';
import { loadSae } from '../../../../server/src/engine/sae/io';
import type { Sae } from '../../../../server/src/engine/sae/types';
import { continueTokens, steerGenerate } from '../../../../server/src/engine/steer/generate';
import { featureLogits, nextTokenEffect } from '../../../../server/src/engine/steer/logit-effects';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { REPO_ROOT, sharedFile } from '../../../helpers/paths';

const FIRES = 'Once upon a time, there was a little girl named Lily. She loved to play';
const OTHER = 'Ben said, "No!"';
let model: LlamaModel;
let sae: Sae;
before(async () => {
  await initBackend();
  model = loadLlama2c(sharedFile('models', 'stories260K.bin'), sharedFile('models', 'tok512.bin'));
  sae = await loadSae(path.join(REPO_ROOT, 'assets', 'default-sae'));
});

const enc = (text: string) => model.tokenizer.encode(text).map((t) => t.id);

/** Per-feature max activation over positions 1.. of ids (BOS excluded): [d_sae]. */
function maxActs(ids: number[]): Float32Array {
  const t = tf.tidy(() => {
    const act = model.runToHook([ids], sae.hookName); // [1, s, d]
    const f = sae.encode(tf.reshape(tf.slice(act, [0, 1, 0], [-1, -1, -1]), [-1, sae.dIn]) as Tensor2D); // [s-1, d_sae]
    return tf.max(f, 0);
  });
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

// Picked by a one-off study, redone when the default SAE was retrained on 2026-12-02 (ablate every feature firing > 0.5 on FIRES, keep those that change its
// greedy continuation, check silence on a few other prompts); the test re-asserts the conditions.
const FEATURE = 113;
const STEPS = 20;

/** FEATURE's max activation on FIRES's prompt, and on OTHER's prompt plus greedy continuation. */
function firing(): { onFires: number; onOther: number } {
  return { onFires: maxActs(enc(FIRES))[FEATURE], onOther: maxActs(greedyGenerate(model, enc(OTHER), STEPS))[FEATURE] };
}

test('no intervention: the spliced generation equals the plain model token for token (greedy and sampled)', () => {
  for (const text of [FIRES, OTHER]) {
    const ids = enc(text);
    const plain = greedyGenerate(model, ids, 30).slice(ids.length);
    const r = steerGenerate(model, sae, ids, { interventions: [] }, { steps: 30 });
    assert.deepEqual(r.steered.ids, plain);
    assert.deepEqual(r.unsteered.ids, plain);
    assert.equal(r.firstDiff, -1);
    // Scaling by 1 is also the identity, exactly.
    const one = steerGenerate(model, sae, ids, { interventions: [{ feature: 209, mode: 'scale', value: 1 }] }, { steps: 30 });
    assert.deepEqual(one.steered.ids, plain);
    const sampled = steerGenerate(model, sae, ids, { interventions: [] }, { steps: 30, temperature: 1, topP: 0.9, seed: 3 });
    assert.deepEqual(sampled.steered.ids, sampled.unsteered.ids);
  }
});

test('ablating a feature changes the continuation where it fires strongly and nothing where it never fires', () => {
  const steps = STEPS;
  const feature = FEATURE;
  const { onFires: act, onOther } = firing();
  assert.ok(act > 1.5, `feature ${feature} should fire strongly on the first prompt (max ${act})`);
  assert.equal(onOther, 0, `feature ${feature} should never fire on the other prompt or its continuation`);
  const ablate = { interventions: [{ feature, mode: 'ablate' as const }] };
  const a = steerGenerate(model, sae, enc(FIRES), ablate, { steps });
  assert.ok(a.firstDiff >= 0, `ablating feature ${feature} (max act ${act.toFixed(2)}) should change "${a.unsteered.text}"`);
  assert.equal(a.differs[a.firstDiff], true);
  const b = steerGenerate(model, sae, enc(OTHER), ablate, { steps });
  assert.equal(b.firstDiff, -1);
  assert.deepEqual(b.steered.ids, b.unsteered.ids);
  // Scale 0 is ablation.
  const zero = steerGenerate(model, sae, enc(FIRES), { interventions: [{ feature, mode: 'scale', value: 0 }] }, { steps });
  assert.deepEqual(zero.steered.ids, a.steered.ids);
  // Steering only from the last prompt position on leaves the earlier positions' predictions alone.
  const ids = enc(FIRES);
  const late = nextTokenEffect(model, sae, ids, ids.length - 2, { ...ablate, fromPosition: ids.length - 1 });
  assert.equal(late.kl, 0);
  assert.ok(late.rises.every((s) => s.delta === 0));
});

test('clamping a feature raises the log-probs of the tokens its decoder direction promotes', () => {
  const feature = FEATURE;
  const { onFires: act, onOther } = firing();
  assert.equal(onOther, 0);
  const [logits] = featureLogits(model, sae, [feature], 5);
  assert.equal(logits.feature, feature);
  assert.ok(logits.promoted[0].logit > logits.promoted[4].logit && logits.promoted[4].logit > logits.suppressed[0].logit);
  const ids = enc(OTHER);
  const at = ids.length - 1; // the feature is silent here, so the clamp is a pure addition of its direction
  const k = model.config.vocabSize;
  const e = nextTokenEffect(model, sae, ids, at, { interventions: [{ feature, mode: 'clamp', value: 2 * act }] }, k);
  assert.ok(e.kl > 0);
  const delta = new Map(e.rises.map((s) => [s.id, s.delta]));
  const mean = (xs: { id: number }[]) => xs.reduce((s, x) => s + delta.get(x.id)!, 0) / xs.length;
  const up = mean(logits.promoted);
  const down = mean(logits.suppressed);
  assert.ok(up > 0, `promoted tokens' mean log-prob change ${up} should be positive`);
  assert.ok(up > down, `promoted (${up}) should rise more than suppressed (${down})`);
  // The effect's own ordering: rises are sorted down, falls up, and they meet in the middle.
  assert.ok(e.rises[0].delta >= e.rises[1].delta && e.falls[0].delta <= e.falls[1].delta);
});

test('sampling is reproducible for a seed and differs across seeds; several features at once', () => {
  const ids = enc(FIRES);
  const o = { steps: 25, temperature: 1, topP: 0.95 };
  const r1 = continueTokens(model, ids, { ...o, seed: 42 });
  const r2 = continueTokens(model, ids, { ...o, seed: 42 });
  assert.deepEqual(r1, r2);
  const seeds = [1, 2, 3].map((seed) => continueTokens(model, ids, { ...o, seed }).join(' '));
  assert.ok(new Set([r1.join(' '), ...seeds]).size > 1, 'different seeds should not all give the same continuation');
  const multi = {
    interventions: [
      { feature: 209, mode: 'clamp' as const, value: 8 },
      { feature: FEATURE, mode: 'ablate' as const },
    ],
  };
  const s1 = steerGenerate(model, sae, ids, multi, { ...o, seed: 7 });
  const s2 = steerGenerate(model, sae, ids, multi, { ...o, seed: 7 });
  assert.deepEqual(s1.steered.ids, s2.steered.ids);
  assert.equal(s1.steered.ids.length, 25);
});

test('bad interventions fail clearly; repeated calls leak no tensors', () => {
  const ids = enc(OTHER);
  assert.throws(
    () => steerGenerate(model, sae, ids, { interventions: [{ feature: sae.dSae, mode: 'ablate' }] }, { steps: 2 }),
    /feature 1024: expected an integer in 0\.\.1023/,
  );
  assert.throws(() => steerGenerate(model, sae, ids, { interventions: [{ feature: 3, mode: 'clamp' }] }, { steps: 2 }), /clamp needs a finite value/);
  assert.throws(
    () =>
      steerGenerate(
        model,
        sae,
        ids,
        {
          interventions: [
            { feature: 3, mode: 'ablate' },
            { feature: 3, mode: 'scale', value: 2 },
          ],
        },
        { steps: 2 },
      ),
    /more than one intervention/,
  );
  assert.throws(() => continueTokens(model, ids, { steps: 2, topP: 0 }), /top-p 0/);
  assert.throws(() => nextTokenEffect(model, sae, ids, ids.length, { interventions: [] }), /position \d+: expected/);
  const spec = { interventions: [{ feature: 209, mode: 'clamp' as const, value: 4 }], fromPosition: 3 };
  const once = () => {
    steerGenerate(model, sae, ids, spec, { steps: 6 });
    steerGenerate(model, sae, ids, spec, { steps: 6, temperature: 0.8, seed: 1 });
    nextTokenEffect(model, sae, ids, 4, spec, 5);
    featureLogits(model, sae, [1, 2, 209], 5);
  };
  once();
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) once();
  assert.equal(tf.memory().numTensors, n);
});
