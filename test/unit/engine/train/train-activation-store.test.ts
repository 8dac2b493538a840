// The activation store on the real stories260K model: BOS positions dropped, rows equal to the
// model's own hook activations, the cache reused only when its settings match, .npy input read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf } from '../../../../server/src/engine/tf';
import { loadModel } from '../../../../server/src/engine/lm/load-model';
import { readCorpus } from '../../../../server/src/engine/data/corpus';
import { tokenChunks } from '../../../../server/src/engine/data/token-chunks';
import { writeNpy } from '../../../../server/src/engine/io/npy';
import { collectActivations, loadActivationsFile } from '../../../../server/src/engine/train/activation-store';
import { sharedFile, tempDir } from '../../../helpers/paths';

test('activations match runToHook with BOS dropped, and the cache is keyed by its settings', async () => {
  await initBackend();
  const model = await loadModel(sharedFile('models', 'stories260K.bin'));
  const corpus = sharedFile('data', 'tinystories-train-first1000.json');
  const t = tempDir();
  const cache = path.join(t.dir, 'acts.safetensors');
  const hook = 'blocks.2.hook_resid_post';
  const a = await collectActivations(model, { hook, corpus, contextSize: 32, maxTokens: 100, seqBatch: 2, cache });
  assert.equal(a.fromCache, false);
  assert.equal(a.source.n, 100);
  assert.equal(a.source.dIn, 64);
  const first = tokenChunks(readCorpus(corpus), model.tokenizer, { contextSize: 32 }).next().value as number[];
  assert.equal(first[0], model.tokenizer.bosId);
  const ref = tf.tidy(() => tf.slice(model.runToHook([first], hook), [0, 1, 0], [1, 1, 64]).dataSync());
  for (let j = 0; j < 64; j++) assert.ok(Math.abs(ref[j] - a.source.data[j]) < 1e-4, `column ${j}`);
  const b = await collectActivations(model, { hook, corpus, contextSize: 32, maxTokens: 100, cache });
  assert.equal(b.fromCache, true);
  assert.deepEqual(b.source.data, a.source.data);
  const c = await collectActivations(model, { hook: 'blocks.1.hook_resid_post', corpus, contextSize: 32, maxTokens: 100, cache });
  assert.equal(c.fromCache, false);
  assert.notDeepEqual(c.source.data.slice(0, 64), a.source.data.slice(0, 64));
  await assert.rejects(collectActivations(model, { hook: 'blocks.9.hook_nope', corpus, maxTokens: 10 }), /unknown hook "blocks\.9\.hook_nope"/);
  // .npy round trip through loadActivationsFile.
  const npy = path.join(t.dir, 'acts.npy');
  writeNpy(npy, a.source.data, [100, 64]);
  const fromNpy = loadActivationsFile(npy);
  assert.equal(fromNpy.n, 100);
  assert.deepEqual(fromNpy.data, a.source.data);
  writeNpy(path.join(t.dir, 'flat.npy'), a.source.data, [6400]);
  assert.throws(() => loadActivationsFile(path.join(t.dir, 'flat.npy')), /flat\.npy.*2-D/);
  model.dispose();
  t.cleanup();
});
