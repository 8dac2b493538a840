// The features a steered analysis shows (steered-encode.ts) on stories260K and the default SAE: the
// splice replaces the hook's output, so the hook's input during a steered run equals the clean one at
// every position (what makes "the steered model's features at the hook" = intervene(encode(x))); and
// encodeSteered changes exactly the intervened columns of the rows it steers, reporting the clean ones.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadLlama2c } from '../../../../server/src/engine/lm/load-model';
import type { LlamaModel } from '../../../../server/src/engine/lm/llama';
import { loadSae } from '../../../../server/src/engine/sae/io';
import type { Sae } from '../../../../server/src/engine/sae/types';
import { steeringFn, steerHook } from '../../../../server/src/engine/steer/splice';
import { encodeSteered, steeredValue } from '../../../../server/src/engine/steer/steered-encode';
import type { Intervention } from '../../../../server/src/engine/steer/types';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { REPO_ROOT, sharedFile } from '../../../helpers/paths';

let model: LlamaModel;
let sae: Sae;
let x: Tensor2D; // [n, d_model] clean activations at the SAE's hook
let ids: number[];
before(async () => {
  await initBackend();
  model = loadLlama2c(sharedFile('models', 'stories260K.bin'));
  sae = await loadSae(path.join(REPO_ROOT, 'assets', 'default-sae'));
  ids = model.tokenizer.encode('Once upon a time, there was a little girl named Lily.', { bos: true }).map((t) => t.id);
  const { act, cache } = model.runToHookCached(ids, sae.hookName, undefined);
  cache.dispose();
  x = tf.reshape(act, [ids.length, model.config.dModel]) as Tensor2D;
  act.dispose();
});

/** The strongest feature anywhere in the text (found, not assumed). */
function strongest(): number {
  return tf.tidy(() => tf.argMax(tf.max(sae.encode(x), 0)).dataSync()[0]);
}

test("a steered run's hook input equals the clean activations: the splice changes only what leaves the hook", () => {
  const F = strongest();
  // Measured inside the replacement: the model frees its intermediates after the pass.
  const diffs: number[] = [];
  const steer = steeringFn(sae, [{ feature: F, mode: 'clamp', value: 5 }], 1);
  const logits = model.runWithReplacement([ids], sae.hookName, (act, pos0) => {
    diffs.push(tf.tidy(() => tf.max(tf.abs(tf.sub(tf.reshape(act, x.shape), x))).dataSync()[0]));
    return steer(act, pos0);
  });
  const clean = model.forward([ids]);
  assert.deepEqual(diffs, [0], 'the hook input is the clean one');
  const moved = tf.tidy(() => tf.max(tf.abs(tf.sub(logits, clean))).dataSync()[0]);
  assert.ok(moved > 0.01, `the steering must move the logits (${moved})`);
  tf.dispose([logits, clean]);
});

test('encodeSteered: only intervened columns of steered rows change, to their steered values; clean values reported', () => {
  const F = strongest();
  const other = (F + 1) % sae.dSae;
  const list: Intervention[] = [
    { feature: F, mode: 'scale', value: 2 },
    { feature: other, mode: 'clamp', value: 3 },
  ];
  const ref = sae.encode(x).arraySync() as number[][];
  const { f, clean } = encodeSteered(sae, x, list, 1);
  const got = f.arraySync() as number[][];
  f.dispose();
  assert.equal(clean.length, ids.length * 2);
  for (let r = 0; r < ids.length; r++) {
    for (let c = 0; c < sae.dSae; c++) {
      const j = list.findIndex((iv) => iv.feature === c);
      const want = r >= 1 && j >= 0 ? steeredValue(list[j], ref[r][c]) : ref[r][c];
      assert.ok(Math.abs(got[r][c] - want) <= 1e-5 * Math.max(1, Math.abs(want)), `row ${r} col ${c}: ${got[r][c]} vs ${want}`);
    }
    assert.ok(Math.abs(clean[r * 2] - ref[r][F]) < 1e-6 && Math.abs(clean[r * 2 + 1] - ref[r][other]) < 1e-6);
  }
  assert.ok(
    ref.some((row) => row[F] > 0),
    `#${F} fires somewhere`,
  );
  assert.throws(() => encodeSteered(sae, x, [{ feature: sae.dSae, mode: 'ablate' }], 0), /expected an integer in 0\.\.1023/);
});

test("steerHook: an explicit hook is checked against the model; none means the SAE's own", () => {
  assert.equal(steerHook(model, sae), sae.hookName);
  assert.equal(steerHook(model, sae, 'blocks.1.hook_resid_post'), 'blocks.1.hook_resid_post');
  assert.throws(() => steerHook(model, sae, 'blocks.99.hook_resid_post'));
});
