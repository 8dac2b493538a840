// GPT-2 on a tiny random checkpoint with a byte-level BPE tokenizer.json: TransformerLens hook
// placement, a hand-computed first-position attention output, tied vs separate lm_head, offsets.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { readSafetensors } from '../../../../server/src/engine/io/safetensors';
import { loadModel } from '../../../../server/src/engine/lm/load-model';
import type { LanguageModel } from '../../../../server/src/engine/lm/types';
import { tf } from '../../../../server/src/engine/tf';
import { writeTinyGpt2 } from '../../../helpers/lm-fixtures';
import { tempDir } from '../../../helpers/paths';

let tmp: { dir: string; cleanup: () => void };
let m: LanguageModel;
let W: Map<string, { data: Float32Array; shape: number[] }>;
before(async () => {
  await initBackend();
  tmp = tempDir();
  writeTinyGpt2(tmp.dir);
  m = await loadModel(tmp.dir);
  W = readSafetensors(path.join(tmp.dir, 'model.safetensors'));
});
after(() => {
  m.dispose();
  tmp.cleanup();
});

const t2 = (n: string) => tf.tensor2d(W.get(n)!.data, W.get(n)!.shape as [number, number]);
const t1 = (n: string) => tf.tensor1d(W.get(n)!.data);
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const ln = (x: tf.Tensor2D, g: string, b: string) =>
  tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), t1(g)), t1(b)) as tf.Tensor2D;
  });

test('tokenizer: byte-level BPE ids, merges, offsets over emoji and accents', () => {
  const text = 'the cat at the café 😀!';
  const spans = m.tokenizer.encode(text);
  assert.equal(spans.map((s) => text.slice(s.start, s.end)).join(''), text);
  assert.ok(
    spans.some((s) => s.id === 258),
    '" the" merge is used',
  );
  const emoji = spans.filter((s) => text.slice(s.start, s.end).includes('😀'));
  assert.equal(emoji.length, 1);
  assert.equal(m.tokenizer.decode(spans.map((s) => s.id)), text);
  assert.equal(m.tokenizer.bosId, 260);
  assert.equal(spans[0].id !== 260, true, 'GPT-2 adds no BOS by default');
  assert.equal(m.tokenizer.encode(text, { bos: true })[0].id, 260);
});

test('hook placement: hook_embed is wte only, resid_pre 0 adds wpe; first-position attn_out by hand', () => {
  const ids = [[10, 200, 33, 258, 7]];
  const emb = m.runToHook(ids, 'hook_embed');
  const pre = m.runToHook(ids, 'blocks.0.hook_resid_pre');
  const wte = tf.gather(t2('wte.weight'), tf.tensor1d(ids[0], 'int32'));
  const wpe = tf.slice(t2('wpe.weight'), [0, 0], [5, -1]);
  assert.ok(maxDiff(tf.reshape(emb, [5, 16]), wte) < 1e-6);
  assert.ok(maxDiff(tf.reshape(pre, [5, 16]), tf.add(wte, wpe)) < 1e-6);
  // Position 0 attends only to itself: attn_out = (LN1(x0) Wv + bv) Wo + bo.
  const x0 = tf.slice(tf.add(wte, wpe), [0, 0], [1, -1]) as tf.Tensor2D;
  const qkv = tf.add(tf.matMul(ln(x0, 'h.0.ln_1.weight', 'h.0.ln_1.bias'), t2('h.0.attn.c_attn.weight')), t1('h.0.attn.c_attn.bias'));
  const v = tf.slice(qkv, [0, 32], [1, 16]);
  const want = tf.add(tf.matMul(v, t2('h.0.attn.c_proj.weight')), t1('h.0.attn.c_proj.bias'));
  const att = m.runToHook(ids, 'blocks.0.hook_attn_out');
  assert.ok(maxDiff(tf.reshape(tf.slice(att, [0, 0, 0], [1, 1, -1]), [1, 16]), want) < 1e-5);
});

test('tied unembedding without lm_head; a separate lm_head is used when present', async () => {
  const ids = [[10, 200, 33]];
  const resid = m.runToHook(ids, 'blocks.1.hook_resid_post');
  const logits = m.forward(ids);
  const manual = tf.matMul(ln(tf.reshape(resid, [3, 16]) as tf.Tensor2D, 'ln_f.weight', 'ln_f.bias'), t2('wte.weight'), false, true);
  assert.ok(maxDiff(tf.reshape(logits, [3, 261]), manual) < 1e-4);
  const { dir, cleanup } = tempDir();
  try {
    writeTinyGpt2(dir, { lmHead: true, prefix: 'transformer.' });
    const u = await loadModel(dir);
    const head = readSafetensors(path.join(dir, 'model.safetensors')).get('lm_head.weight')!;
    const l2 = u.forward(ids);
    const manual2 = tf.matMul(ln(tf.reshape(resid, [3, 16]) as tf.Tensor2D, 'ln_f.weight', 'ln_f.bias'), tf.tensor2d(head.data, [261, 16]), false, true);
    assert.ok(maxDiff(tf.reshape(l2, [3, 261]), manual2) < 1e-4);
    assert.ok(maxDiff(l2, logits) > 1e-3);
    u.dispose();
  } finally {
    cleanup();
  }
});

test('cache matches full run (learned positions offset by the cache)', () => {
  const ids = [10, 200, 33, 258, 7, 99, 100];
  const full = m.runToHook([ids], 'blocks.1.hook_mlp_out');
  const a = m.runToHookCached(ids.slice(0, 4), 'blocks.1.hook_mlp_out', undefined);
  const b = m.runToHookCached(ids, 'blocks.1.hook_mlp_out', a.cache);
  assert.ok(maxDiff(tf.concat([a.act, b.act], 1), full) < 1e-4);
  b.cache.dispose();
});
