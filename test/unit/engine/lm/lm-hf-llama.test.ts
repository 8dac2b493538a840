// The Hugging Face Llama path on real weights: stories260K converted to the HF layout (q/k rows
// permuted for rotate_half RoPE, tokenizer.json built from tok512.bin) gives the same logits and
// token ids as the llama2.c path; sharded checkpoints and the hub-cache layout load too.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { initBackend } from '../../../../server/src/engine/backend';
import { writeSafetensors, readSafetensors } from '../../../../server/src/engine/io/safetensors';
import { loadLlama2c, loadModel } from '../../../../server/src/engine/lm/load-model';
import type { LanguageModel } from '../../../../server/src/engine/lm/types';
import { tf } from '../../../../server/src/engine/tf';
import { writeHfLlamaFromLlama2c } from '../../../helpers/lm-fixtures';
import { sharedFile, tempDir } from '../../../helpers/paths';
import { readCorpus } from '../../../../server/src/engine/data/corpus';

let tmp: { dir: string; cleanup: () => void };
let ref: LanguageModel;
let hf: LanguageModel;
before(async () => {
  await initBackend();
  tmp = tempDir();
  writeHfLlamaFromLlama2c(sharedFile('models', 'stories260K.bin'), sharedFile('models', 'tok512.bin'), tmp.dir);
  ref = loadLlama2c(sharedFile('models', 'stories260K.bin'));
  hf = await loadModel(tmp.dir);
});
after(() => {
  ref.dispose();
  hf.dispose();
  tmp.cleanup();
});

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('HF Llama logits equal the llama2.c logits (max abs diff < 1e-4)', () => {
  assert.equal(hf.config.architecture, 'llama');
  const docs = [...readCorpus(sharedFile('data', 'tinystories-train-first1000.json'), { maxDocs: 2 })];
  for (const text of docs) {
    const ids = [
      ref.tokenizer
        .encode(text)
        .map((t) => t.id)
        .slice(0, 64),
    ];
    const a = ref.forward(ids);
    const b = hf.forward(ids);
    const d = maxDiff(a, b);
    assert.ok(d < 1e-4, `max abs diff ${d}`);
    const h1 = ref.runToHook(ids, 'blocks.2.hook_attn_out');
    const h2 = hf.runToHook(ids, 'blocks.2.hook_attn_out');
    assert.ok(maxDiff(h1, h2) < 1e-4);
    tf.dispose([a, b, h1, h2]);
  }
  // Without the q/k permutation the logits would differ: the test can fail.
});

test('tokenizer.json path gives the same ids and offsets as tokenizer.bin', () => {
  const texts = [
    'Once upon a time',
    'Héllo wörld 你好 😀 café!',
    ...readCorpus(sharedFile('data', 'tinystories-train-first1000.json'), { maxDocs: 60, skipDocs: 10 }),
  ];
  for (const t of texts) assert.deepEqual(hf.tokenizer.encode(t), ref.tokenizer.encode(t));
  assert.equal(hf.tokenizer.decode([1, 403, 407, 261, 378]), 'Once upon a time');
});

test('sharded checkpoint with index and a hub-cache folder load the same model', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const repo = path.join(dir, 'models--karpathy--stories260K-hf');
    const snap = path.join(repo, 'snapshots', 'abc123');
    mkdirSync(snap, { recursive: true });
    mkdirSync(path.join(repo, 'refs'));
    writeFileSync(path.join(repo, 'refs', 'main'), 'abc123');
    const all = readSafetensors(path.join(tmp.dir, 'model.safetensors'));
    const names = [...all.keys()];
    const shards = [names.filter((_, i) => i % 2 === 0), names.filter((_, i) => i % 2 === 1)];
    const weightMap: Record<string, string> = {};
    shards.forEach((ns, i) => {
      const f = `model-0000${i + 1}-of-00002.safetensors`;
      writeSafetensors(path.join(snap, f), Object.fromEntries(ns.map((n) => [n, { data: all.get(n)!.data, shape: all.get(n)!.shape }])));
      for (const n of ns) weightMap[n] = f;
    });
    writeFileSync(path.join(snap, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) writeFileSync(path.join(snap, f), readFileSync(path.join(tmp.dir, f)));
    // By name under JUMPLENS_MODELS, as org/name.
    const old = process.env.JUMPLENS_MODELS;
    process.env.JUMPLENS_MODELS = dir;
    try {
      const m = await loadModel('karpathy/stories260K-hf');
      assert.equal(m.config.name, 'stories260K-hf');
      const ids = [[1, 403, 407, 261, 378]];
      const a = m.forward(ids);
      const b = ref.forward(ids);
      assert.ok(maxDiff(a, b) < 1e-4);
      tf.dispose([a, b]);
      m.dispose();
    } finally {
      if (old === undefined) delete process.env.JUMPLENS_MODELS;
      else process.env.JUMPLENS_MODELS = old;
    }
    // A missing shard is named.
    renameSync(path.join(snap, 'model-00002-of-00002.safetensors'), path.join(dir, 'moved'));
    await assert.rejects(loadModel(snap), /shard model-00002-of-00002\.safetensors is listed but missing/);
  } finally {
    cleanup();
  }
});
