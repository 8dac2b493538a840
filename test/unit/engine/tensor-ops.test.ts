import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../server/src/engine/tf';
import { initBackend } from '../../../server/src/engine/backend';
import { gatherPerRow } from '../../../server/src/engine/tensor-ops';

before(async () => {
  await initBackend();
});

test('gatherPerRow picks params[i, idx[i, j], :] on the active backend, for float and int tensors', () => {
  const [d, n, W] = [5, 8, 4];
  const vals = Int32Array.from({ length: d * n * W }, (_, i) => i);
  const idx = [
    [5, 1, 2, 3],
    [7, 6, 5, 4],
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [3, 7, 1, 5],
  ];
  const want: number[] = [];
  for (let i = 0; i < d; i++) for (const j of idx[i]) for (let w = 0; w < W; w++) want.push(vals[(i * n + j) * W + w]);
  for (const dtype of ['int32', 'float32'] as const) {
    const before0 = tf.memory().numTensors;
    const p = tf.tensor3d(vals, [d, n, W], dtype);
    const ix = tf.tensor2d(idx, [d, 4], 'int32');
    const out = gatherPerRow(p, ix);
    assert.deepEqual(out.shape, [d, 4, W]);
    assert.deepEqual(Array.from(out.dataSync()), want, dtype);
    tf.dispose([p, ix, out]);
    assert.equal(tf.memory().numTensors, before0);
  }
});
