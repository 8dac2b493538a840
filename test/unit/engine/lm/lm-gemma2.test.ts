// Gemma 2 on a tiny random checkpoint: hand-checkable properties of soft-capping, the sliding
// window, embedding scaling, tied unembedding, the cache, and load errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { readSafetensors } from '../../../../server/src/engine/io/safetensors';
import { loadModel } from '../../../../server/src/engine/lm/load-model';
import type { LanguageModel } from '../../../../server/src/engine/lm/types';
import { tf } from '../../../../server/src/engine/tf';
import * as path from 'node:path';
import { writeTinyGemma2 } from '../../../helpers/lm-fixtures';
import { sharedFile, tempDir } from '../../../helpers/paths';

const tok = () => sharedFile('models', 'tok512.bin');
let tmp: { dir: string; cleanup: () => void };
let m: LanguageModel;
before(async () => {
  await initBackend();
  tmp = tempDir();
  writeTinyGemma2(tmp.dir, tok());
  m = await loadModel(tmp.dir);
});
after(() => {
  m.dispose();
  tmp.cleanup();
});

const maxAbs = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315];

test('final logits are soft-capped: |x| <= cap, and equal cap * tanh(uncapped / cap)', async () => {
  assert.equal(m.config.architecture, 'gemma2');
  const capped = m.forward([IDS]);
  assert.ok(maxAbs(capped) <= 5 + 1e-6);
  const { dir, cleanup } = tempDir();
  try {
    writeTinyGemma2(dir, tok(), { finalSoftcap: null });
    const u = await loadModel(dir);
    const raw = u.forward([IDS]);
    assert.ok(maxAbs(raw) > 5, 'the fixture must produce logits beyond the cap for this test to mean anything');
    assert.ok(maxDiff(tf.mul(tf.tanh(tf.div(raw, 5)), 5), capped) < 1e-4);
    tf.dispose(raw);
    u.dispose();
  } finally {
    cleanup();
  }
  capped.dispose();
});

test('sliding window: a token outside the window does not reach a local layer; a global layer sees it', () => {
  const changed = [1, 99, ...IDS.slice(2)];
  // Layer 0 is local (window 4): query q sees keys q-3..q. Position 1 differs, so rows >= 5 are equal.
  const a = m.runToHook([IDS], 'blocks.0.hook_attn_out');
  const b = m.runToHook([changed], 'blocks.0.hook_attn_out');
  const rowsFar = (t: tf.Tensor3D) => tf.slice(t, [0, 5, 0], [-1, -1, -1]);
  const rowsNear = (t: tf.Tensor3D) => tf.slice(t, [0, 1, 0], [-1, 4, -1]);
  assert.ok(maxDiff(rowsFar(a), rowsFar(b)) === 0);
  assert.ok(maxDiff(rowsNear(a), rowsNear(b)) > 1e-4);
  // Layer 1 is global: its attention at the last position depends on position 1 even via the
  // residual from layer 0 rows 1..4; compare its own attention output over all rows.
  const c = m.runToHook([IDS], 'blocks.1.hook_attn_out');
  const d = m.runToHook([changed], 'blocks.1.hook_attn_out');
  const last = (t: tf.Tensor3D) => tf.slice(t, [0, IDS.length - 1, 0], [-1, 1, -1]);
  assert.ok(maxDiff(last(c), last(d)) > 1e-5);
  tf.dispose([a, b, c, d]);
});

test('embedding is scaled by sqrt(d_model); logits use the tied embedding with (1 + w) final norm', () => {
  const w = readSafetensors(path.join(tmp.dir, 'model.safetensors'));
  const E = w.get('model.embed_tokens.weight')!;
  const normW = w.get('model.norm.weight')!;
  const emb = m.runToHook([IDS], 'hook_embed');
  const want = tf.tidy(() => tf.mul(tf.gather(tf.tensor2d(E.data, [512, 16]), tf.tensor1d(IDS, 'int32')), Math.sqrt(16)));
  assert.ok(maxDiff(tf.reshape(emb, [IDS.length, 16]), want) < 1e-5);
  const resid = m.runToHook([IDS], 'blocks.1.hook_resid_post');
  const logits = m.forward([IDS]);
  const manual = tf.tidy(() => {
    const x = tf.reshape(resid, [IDS.length, 16]);
    const n = tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), tf.add(tf.tensor1d(normW.data), 1));
    return tf.mul(tf.tanh(tf.div(tf.matMul(n, tf.tensor2d(E.data, [512, 16]), false, true), 5)), 5);
  });
  assert.ok(maxDiff(tf.reshape(logits, [IDS.length, 512]), manual) < 1e-4);
  tf.dispose([emb, want, resid, logits, manual]);
});

test('cached runs across the sliding window match the full run', () => {
  const full = m.runToHook([IDS], 'blocks.1.hook_resid_post');
  let r = m.runToHookCached(IDS.slice(0, 3), 'blocks.1.hook_resid_post', undefined);
  const parts = [r.act];
  for (let p = 3; p < IDS.length; p++) {
    r = m.runToHookCached(IDS.slice(0, p + 1), 'blocks.1.hook_resid_post', r.cache);
    parts.push(r.act);
  }
  assert.ok(maxDiff(tf.concat(parts, 1), full) < 1e-4);
  r.cache.dispose();
  tf.dispose([full, ...parts]);
});

test('missing tensor, wrong shape and unknown architecture are named', async () => {
  const cases: [Parameters<typeof writeTinyGemma2>[2], RegExp][] = [
    [{ omit: 'model.layers.1.mlp.up_proj.weight' }, /missing tensor model\.layers\.1\.mlp\.up_proj\.weight/],
    [{ badShape: 'model.layers.0.self_attn.k_proj.weight' }, /tensor model\.layers\.0\.self_attn\.k_proj\.weight has shape \[8, 17\], expected \[8, 16\]/],
    [{ modelType: 'mamba' }, /config\.json: unknown architecture model_type "mamba"/],
  ];
  for (const [opts, re] of cases) {
    const { dir, cleanup } = tempDir();
    try {
      writeTinyGemma2(dir, tok(), opts);
      const n = tf.memory().numTensors;
      await assert.rejects(loadModel(dir), re);
      assert.equal(tf.memory().numTensors, n, 'a failed load frees what it made');
    } finally {
      cleanup();
    }
  }
});
