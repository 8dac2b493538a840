import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { FeatureStatsAccumulator } from '../../../../server/src/engine/features/feature-stats';
import { FeatureStore, saveFeatureStore, STORE_FILE } from '../../../../server/src/engine/features/feature-store';
import { writeSafetensors } from '../../../../server/src/engine/io/safetensors';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

async function statsFor(d: number) {
  // Feature j fires only at position j % 6 of each sequence, with value (j + 1) * (sequence + 1).
  const [b, seq] = [3, 6];
  const vals = new Float32Array(b * seq * d);
  for (let s = 0; s < b; s++) for (let j = 0; j < d; j++) vals[(s * seq + (j % seq)) * d + j] = (j + 1) * (s + 1);
  const ids = Array.from({ length: b }, (_, s) => Array.from({ length: seq }, (_, p) => 100 * s + p));
  const acc = new FeatureStatsAccumulator({ dSae: d, nTop: 2, before: 1, after: 1 });
  const f = tf.tensor3d(vals, [b, seq, d]);
  acc.add(f, ids);
  f.dispose();
  const r = await acc.result();
  acc.dispose();
  return r;
}

test('a saved store opens, and each card reads back that feature alone', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const d = 9;
    const stats = await statsFor(d);
    saveFeatureStore(dir, stats, { sae: 'x', hook: 'blocks.2.hook_resid_post' });
    const store = FeatureStore.open(dir);
    assert.equal(store.dSae, d);
    assert.equal(store.meta.hook, 'blocks.2.hook_resid_post');
    for (const j of [0, 4, 8]) {
      const c = store.card(j);
      assert.ok(Math.abs(c.density - 3 / 18) < 1e-6, 'fires on 3 of 18 tokens');
      assert.equal(c.maxAct, (j + 1) * 3);
      assert.deepEqual(
        c.top.map((t) => t.value),
        [(j + 1) * 3, (j + 1) * 2],
      );
      // Strongest context is sequence 2, centred on position j % 6.
      const p = j % 6;
      assert.deepEqual(c.top[0].tokens, [p - 1 >= 0 ? 200 + p - 1 : -1, 200 + p, p + 1 < 6 ? 200 + p + 1 : -1]);
      assert.equal(c.top[0].acts[1], (j + 1) * 3);
      assert.equal(
        c.hist.reduce((a, x) => a + x, 0),
        3,
      );
    }
    assert.throws(() => store.card(d), /feature 9 out of range: the store has 9 features/);
  } finally {
    cleanup();
  }
});

test('labels are saved atomically, survive reopening, and import from a Neuronpedia export', async () => {
  const { dir, cleanup } = tempDir();
  try {
    saveFeatureStore(dir, await statsFor(4), {});
    const store = FeatureStore.open(dir);
    store.setLabel(2, '  dogs and puppies ');
    assert.equal(FeatureStore.open(dir).card(2).label, 'dogs and puppies');
    store.setLabel(2, '');
    assert.equal(FeatureStore.open(dir).label(2), undefined);
    const np = path.join(dir, 'np.json');
    writeFileSync(
      np,
      JSON.stringify([
        { modelId: 'm', layer: '2-res', index: '1', description: 'the word "the"' },
        { index: 99, description: 'out of range' },
        { index: 3, explanation: 'names' },
      ]),
    );
    assert.equal(store.importNeuronpedia(np), 2);
    const again = FeatureStore.open(dir);
    assert.equal(again.label(1), 'the word "the"');
    assert.equal(again.label(3), 'names');
  } finally {
    cleanup();
  }
});

test('a file that is not a feature store, or has the wrong shapes, is refused by name', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = path.join(dir, STORE_FILE);
    writeSafetensors(f, { density: { data: new Float32Array(4), shape: [4] } });
    assert.throws(
      () => FeatureStore.open(dir),
      (e: Error) => e.message.startsWith(f) && /not a JumpLens feature store/.test(e.message),
    );
    const meta = { format: 'jumplens-feature-store-v1', dSae: 5, nTop: 2, before: 1, after: 1, tokens: 1, createdAt: '' };
    writeSafetensors(f, { density: { data: new Float32Array(4), shape: [4] } }, { metadata: { jumplens: JSON.stringify(meta) } });
    assert.throws(() => FeatureStore.open(dir), /tensor density has shape \[4\], expected \[5\]/);
  } finally {
    cleanup();
  }
});
