// The native encoders (native/src/encode_topk.cc) against tfjs: encodeTopK against the tfjs encode +
// sparseTopK it replaces (same ids, values and L0), and BaseSae.encode's native dense path against
// the tfjs encode, for every architecture and for b_dec applied to the input.
// Skips with the reason when the addon is not built or cannot run on this backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../../server/src/engine/backend';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { encodeTopK, nativeEncodeUnavailable } from '../../../../server/src/engine/native/encode-topk';
import { sparseTopK } from '../../../../server/src/engine/sae/sparse-topk';
import type { SaeArchitecture } from '../../../../server/src/engine/sae/types';
import { randomSae } from '../../../helpers/sae-fixtures';

/** fn with the native path off (JUMPLENS_NATIVE=0): the tfjs reference. */
function onTfjs<T>(fn: () => T): T {
  const prev = process.env.JUMPLENS_NATIVE;
  process.env.JUMPLENS_NATIVE = '0';
  try {
    return fn();
  } finally {
    if (prev === undefined) delete process.env.JUMPLENS_NATIVE;
    else process.env.JUMPLENS_NATIVE = prev;
  }
}

const CASES: [SaeArchitecture, boolean][] = [
  ['jumprelu', false],
  ['jumprelu', true],
  ['standard', false],
  ['topk', true],
  ['batchtopk', false],
  ['gated', true],
];

for (const [arch, applyBDec] of CASES) {
  test(`native encode and encodeTopK = tfjs: ${arch}${applyBDec ? ', b_dec applied to the input' : ''}`, async (t) => {
    await initBackend();
    const sae = randomSae(arch, 24, 96, 3, { apply_b_dec_to_input: applyBDec });
    const why = nativeEncodeUnavailable(sae);
    if (why) {
      sae.dispose();
      return t.skip(`native encode unavailable: ${why}`);
    }
    const x = tf.randomNormal([37, 24], 0, 1, 'float32', 11) as Tensor2D;
    // Dense: BaseSae.encode natively vs on tfjs.
    const fn = sae.encode(x);
    const fr = onTfjs(() => sae.encode(x));
    const [dn, dr] = [fn.dataSync(), fr.dataSync()];
    for (let i = 0; i < dr.length; i++) assert.ok(Math.abs(dn[i] - dr[i]) <= 1e-5 * (1 + Math.abs(dr[i])), `dense entry ${i}: ${dn[i]} vs ${dr[i]}`);
    tf.dispose([fn, fr]);
    for (const k of [1, 8, 96]) {
      const nat = await encodeTopK(sae, x, k);
      const f = onTfjs(() => sae.encode(x));
      const ref = await sparseTopK(f, k);
      f.dispose();
      assert.equal(nat.k, ref.k);
      assert.deepEqual(Array.from(nat.l0), Array.from(ref.l0), `k=${k}: L0 per token`);
      assert.ok(ref.l0.some((v) => v > 0) && ref.l0.some((v) => v < 96), 'a case where features fire and some do not');
      for (let i = 0; i < ref.values.length; i++) {
        assert.ok(
          Math.abs(nat.values[i] - ref.values[i]) <= 1e-5 * (1 + Math.abs(ref.values[i])),
          `k=${k} entry ${i}: value ${nat.values[i]} vs ${ref.values[i]}`,
        );
        if (ref.values[i] > 0) assert.equal(nat.indices[i], ref.indices[i], `k=${k} entry ${i}: feature id`);
      }
    }
    x.dispose();
    sae.dispose();
  });
}

test('encodeTopK falls back to tfjs where the native path does not apply (normalize_activations)', async () => {
  await initBackend();
  const sae = randomSae('jumprelu', 24, 96, 3, { normalize_activations: 'constant_norm_rescale' });
  assert.match(nativeEncodeUnavailable(sae) ?? '', /normalize_activations|addon|backend/);
  const x = tf.randomNormal([5, 24], 0, 1, 'float32', 2) as Tensor2D;
  const got = await encodeTopK(sae, x, 4);
  const f = sae.encode(x);
  const ref = await sparseTopK(f, 4);
  assert.deepEqual(Array.from(got.indices), Array.from(ref.indices));
  tf.dispose([x, f]);
  sae.dispose();
});
