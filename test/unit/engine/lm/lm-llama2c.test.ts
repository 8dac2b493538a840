// The llama2.c path on the real stories260K checkpoint: greedy generation equals llama2.c run.c's
// (ids from shared/models/README.md), hooks, replacement, incremental KV cache, memory, errors.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadLlama2c, loadModel } from '../../../../server/src/engine/lm/load-model';
import type { LlamaModel } from '../../../../server/src/engine/lm/llama';
import { greedyGenerate } from '../../../../server/src/engine/lm/generate';
import { evaluateLoss } from '../../../../server/src/engine/lm/eval';
import { tf } from '../../../../server/src/engine/tf';
import { sharedFile, tempDir } from '../../../helpers/paths';

let model: LlamaModel;
before(async () => {
  await initBackend();
  model = loadLlama2c(sharedFile('models', 'stories260K.bin'));
});

const REF: [string, string][] = [
  ['Once upon a time', '1 403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410 408 419 292 411 322 265 282 295 433'],
  ['The little dog', '1 291 376 400 428 286 261 376 298 315 421 395 317 426 338 401 396 267 337 335 311 267 422 419 269 311 267 422 419 426 385'],
];

test('greedy generation reproduces llama2.c run.c exactly (with and without the KV cache)', () => {
  for (const [prompt, ref] of REF) {
    const want = ref.split(' ').map(Number);
    const prompt_ids = model.tokenizer.encode(prompt).map((t) => t.id);
    const steps = want.length - prompt_ids.length;
    assert.deepEqual(greedyGenerate(model, prompt_ids, steps, { cache: true }), want);
    assert.deepEqual(greedyGenerate(model, prompt_ids, steps, { cache: false }), want);
  }
  assert.equal(
    model.tokenizer.decode(REF[0][1].split(' ').map(Number)),
    'Once upon a time, there was a little girl named Lily. She loved to play outside in the park',
  );
});

test('hooks: runToHook equals the matching stage of a full run; replacement with identity keeps logits', () => {
  const ids = [model.tokenizer.encode('Once upon a time, there was a dog').map((t) => t.id)];
  const names = model.hookNames();
  assert.equal(names.length, 1 + 4 * 5);
  assert.equal(names[0], 'hook_embed');
  assert.equal(names[names.length - 1], 'blocks.4.hook_resid_post');
  const base = model.forward(ids);
  for (const h of ['hook_embed', 'blocks.0.hook_resid_pre', 'blocks.2.hook_attn_out', 'blocks.3.hook_mlp_out', 'blocks.3.hook_resid_post']) {
    const act = model.runToHook(ids, h);
    assert.deepEqual(act.shape, [1, ids[0].length, 64]);
    // Replacing by the same activation must give the same logits; zeroing must change them.
    const same = model.runWithReplacement(ids, h, (a) => a);
    assert.ok(tf.max(tf.abs(tf.sub(same, base))).dataSync()[0] < 1e-6, h);
    const zero = model.runWithReplacement(ids, h, (a) => tf.zerosLike(a));
    assert.ok(tf.max(tf.abs(tf.sub(zero, base))).dataSync()[0] > 1e-2, h);
    tf.dispose([act, same, zero]);
  }
  // resid_post of layer l is resid_pre of layer l + 1, and resid_pre 0 = embedding for llama.
  const a = model.runToHook(ids, 'blocks.1.hook_resid_post');
  const b = model.runToHook(ids, 'blocks.2.hook_resid_pre');
  assert.deepEqual(a.dataSync(), b.dataSync());
  // resid_post = resid_pre + attn_out + mlp_out
  const pre = model.runToHook(ids, 'blocks.1.hook_resid_pre');
  const att = model.runToHook(ids, 'blocks.1.hook_attn_out');
  const mlp = model.runToHook(ids, 'blocks.1.hook_mlp_out');
  assert.ok(tf.max(tf.abs(tf.sub(tf.add(tf.add(pre, att), mlp), a))).dataSync()[0] < 1e-5);
  tf.dispose([a, b, pre, att, mlp, base]);
});

test('batched forward equals per-row forward', () => {
  const a = model.tokenizer.encode('The little dog ran to the park').map((t) => t.id);
  const b = model.tokenizer.encode('Once upon a time there was a girl').map((t) => t.id);
  const n = Math.min(a.length, b.length);
  const [r1, r2] = [b.slice(0, n), a.slice(0, n)];
  assert.equal(r1.length, r2.length);
  const both = model.forward([r1, r2]);
  const one = model.forward([r2]);
  const row = tf.slice(both, [1, 0, 0], [1, -1, -1]);
  assert.ok(tf.max(tf.abs(tf.sub(row, one))).dataSync()[0] < 1e-4);
  tf.dispose([both, one, row]);
});

test('incremental runToHookCached matches full runToHook, also after truncating at an edit', () => {
  const hook = 'blocks.3.hook_resid_post';
  const ids = model.tokenizer.encode('Once upon a time, there was a little girl named Lily. She loved').map((t) => t.id);
  const full = model.runToHook([ids], hook);
  let r = model.runToHookCached(ids.slice(0, 6), hook, undefined);
  const parts = [r.act];
  for (let p = 6; p < ids.length; p++) {
    r = model.runToHookCached(ids.slice(0, p + 1), hook, r.cache);
    assert.equal(r.act.shape[1], 1);
    parts.push(r.act);
  }
  assert.equal(r.cache.length, ids.length);
  const inc = tf.concat(parts, 1);
  assert.ok(tf.max(tf.abs(tf.sub(inc, full))).dataSync()[0] < 1e-4);
  // Edit in the middle: keep [0, 5), re-run the changed tail.
  const edited = [...ids.slice(0, 5), ...model.tokenizer.encode('dog ran home fast', { bos: false }).map((t) => t.id)];
  r.cache.truncate(5);
  assert.equal(r.cache.length, 5);
  const tail = model.runToHookCached(edited, hook, r.cache);
  const fullEdited = model.runToHook([edited], hook);
  const want = tf.slice(fullEdited, [0, 5, 0], [-1, -1, -1]);
  assert.ok(tf.max(tf.abs(tf.sub(tail.act, want))).dataSync()[0] < 1e-4);
  // A deeper hook than the cache covers falls back to a full recompute, still correct.
  const deeper = model.runToHookCached([...edited, 300], 'blocks.4.hook_resid_post', tail.cache);
  const deepFull = model.runToHook([[...edited, 300]], 'blocks.4.hook_resid_post');
  const lastRow = tf.slice(deepFull, [0, edited.length, 0], [-1, -1, -1]);
  const got = tf.slice(deeper.act, [0, deeper.act.shape[1] - 1, 0], [-1, 1, -1]);
  assert.ok(tf.max(tf.abs(tf.sub(got, lastRow))).dataSync()[0] < 1e-4);
  deeper.cache.dispose();
  tf.dispose([full, inc, ...parts, tail.act, fullEdited, want, deeper.act, deepFull, lastRow, got]);
});

test('no tensors leak across repeated forward / runToHook / cached runs', () => {
  const ids = model.tokenizer.encode('Once upon a time').map((t) => t.id);
  const once = () => {
    tf.dispose(model.forward([ids]));
    tf.dispose(model.runToHook([ids], 'blocks.2.hook_mlp_out'));
    tf.dispose(model.runWithReplacement([ids], 'blocks.1.hook_resid_post', (a) => tf.mul(a, 2)));
    const r = model.runToHookCached(ids, 'blocks.3.hook_resid_post', undefined);
    const r2 = model.runToHookCached([...ids, 300], 'blocks.3.hook_resid_post', r.cache);
    r2.cache.truncate(2);
    tf.dispose([r.act, r2.act]);
    r2.cache.dispose();
  };
  once();
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) once();
  assert.equal(tf.memory().numTensors, n);
});

test('bad inputs: hooks, ids, lengths', () => {
  assert.throws(() => model.runToHook([[1, 2]], 'blocks.9.hook_resid_post'), /layer 9 out of range/);
  assert.throws(() => model.runToHook([[1, 2]], 'blocks.1.resid'), /unknown hook/);
  assert.throws(() => model.forward([[1, 2], [1]]), /different lengths/);
  assert.throws(() => model.forward([[1, 9999]]), /outside the vocabulary/);
  assert.throws(() => model.forward([new Array(513).fill(1)]), /maximum sequence length 512/);
});

test('malformed checkpoints raise errors naming the file and problem', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const src = readFileSync(sharedFile('models', 'stories260K.bin'));
    const trunc = path.join(dir, 'trunc.bin');
    writeFileSync(trunc, src.subarray(0, 100000));
    assert.throws(
      () => loadLlama2c(trunc, sharedFile('models', 'tok512.bin')),
      (e: Error) => e.message.includes(trunc) && /truncated/.test(e.message),
    );
    const nan = path.join(dir, 'nan.bin');
    const copy = Buffer.from(src);
    copy.writeFloatLE(NaN, 28 + 4 * 1000);
    writeFileSync(nan, copy);
    assert.throws(() => loadLlama2c(nan, sharedFile('models', 'tok512.bin')), /nan\.bin: tensor token_embedding_table has a non-finite value/);
    const hdr = path.join(dir, 'hdr.bin');
    const bad = Buffer.from(src);
    bad.writeInt32LE(7, 12); // n_heads 7 does not divide dim 64
    writeFileSync(hdr, bad);
    assert.throws(() => loadLlama2c(hdr, sharedFile('models', 'tok512.bin')), /hdr\.bin: .*n_heads 7/);
    // Wrong tokenizer for the vocab
    assert.throws(
      () => loadLlama2c(sharedFile('models', 'stories260K.bin'), sharedFile('models', 'tokenizer.bin')),
      /tokenizer\.bin: tokenizer\.bin has more than 512 tokens but the model's vocab_size is 512/,
    );
    await assert.rejects(loadModel(path.join(dir, 'nope')), /not found/);
  } finally {
    cleanup();
  }
});

test('evaluateLoss equals cross-entropy computed by hand from the logits; windows score every pair once', () => {
  const doc = 'Once upon a time, there was a little girl named Lily. She loved to play.';
  const ids = model.tokenizer.encode(doc).map((t) => t.id);
  const logits = model.forward([ids.slice(0, -1)]);
  const L = logits.dataSync() as Float32Array;
  logits.dispose();
  let sum = 0;
  for (let p = 0; p + 1 < ids.length; p++) {
    const row = L.subarray(p * 512, (p + 1) * 512);
    const mx = Math.max(...row);
    const lse = mx + Math.log(row.reduce((a, x) => a + Math.exp(x - mx), 0));
    sum += lse - row[ids[p + 1]];
  }
  const r = evaluateLoss(model, [doc], { context: 256 });
  assert.equal(r.tokens, ids.length - 1);
  assert.ok(Math.abs(r.meanCe - sum / (ids.length - 1)) < 1e-4, `${r.meanCe} vs ${sum / (ids.length - 1)}`);
  const w = evaluateLoss(model, [doc], { context: 8 });
  assert.equal(w.tokens, ids.length - 1);
  assert.ok(w.meanCe > r.meanCe, 'shorter context cannot predict better on this text');
  assert.equal(evaluateLoss(model, [doc], { maxTokens: 5 }).tokens, 5);
});
