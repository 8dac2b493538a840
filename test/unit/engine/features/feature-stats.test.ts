import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { FeatureStatsAccumulator, HIST_BINS, HIST_LOG10_MIN, HIST_LOG10_MAX } from '../../../../server/src/engine/features/feature-stats';

before(async () => {
  await initBackend();
});

/** A seeded PRNG so the brute-force oracle and the accumulator see the same sparse activations. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

test('top contexts, density, max and histogram match a brute-force computation', async () => {
  const [b, seq, d] = [3, 7, 5];
  const nTop = 4;
  const rand = rng(7);
  const batches = [0, 1].map(() => {
    const vals = Float32Array.from({ length: b * seq * d }, () => (rand() < 0.4 ? rand() * 10 : 0));
    // Position 0 holds BOS (id 1), which the accumulator must ignore; other ids avoid 1.
    const ids = Array.from({ length: b }, () => Array.from({ length: seq }, (_, p) => (p === 0 ? 1 : 2 + Math.floor(rand() * 500))));
    return { vals, ids };
  });
  const acc = new FeatureStatsAccumulator({ dSae: d, nTop, before: 2, after: 1 });
  const before0 = tf.memory().numTensors;
  for (const { vals, ids } of batches) {
    const f = tf.tensor3d(vals, [b, seq, d]);
    acc.add(f, ids, 1);
    f.dispose();
  }
  assert.equal(tf.memory().numTensors, before0, 'add() leaks no tensors');
  const r = await acc.result();
  assert.equal(r.tokens, 2 * b * (seq - 1));

  // Oracle: every (batch, seq, pos) with pos != 0.
  for (let feat = 0; feat < d; feat++) {
    const all: { v: number; batch: number; s: number; p: number }[] = [];
    batches.forEach(({ vals }, bi) => {
      for (let s = 0; s < b; s++) for (let p = 1; p < seq; p++) all.push({ v: vals[(s * seq + p) * d + feat], batch: bi, s, p });
    });
    const fired = all.filter((a) => a.v > 0);
    assert.equal(r.fireCount[feat], fired.length, `fire count of feature ${feat}`);
    assert.ok(Math.abs(r.maxAct[feat] - Math.max(0, ...all.map((a) => a.v))) < 1e-6);
    const hist = r.hist.slice(feat * HIST_BINS, (feat + 1) * HIST_BINS);
    assert.equal(
      hist.reduce((x, y) => x + y, 0),
      fired.length,
      'histogram counts every firing',
    );
    const step = (HIST_LOG10_MAX - HIST_LOG10_MIN) / HIST_BINS;
    for (const a of fired) {
      const bin = Math.min(HIST_BINS - 1, Math.max(0, Math.floor((Math.log10(a.v) - HIST_LOG10_MIN) / step)));
      assert.ok(hist[bin] > 0, `bin ${bin} holds ${a.v}`);
    }
    const top = [...fired].sort((x, y) => y.v - x.v).slice(0, nTop);
    for (let k = 0; k < nTop; k++) {
      const got = r.topValues[feat * nTop + k];
      if (k >= top.length) {
        assert.equal(got, 0);
        continue;
      }
      assert.ok(Math.abs(got - top[k].v) < 1e-6, `feature ${feat} top ${k}`);
      // The window: tokens [p-2, p+1] of the same sequence, centre at index 2.
      const w = r.window;
      const base = (feat * nTop + k) * w;
      const { batch, s, p } = top[k];
      for (let o = -2; o <= 1; o++) {
        const q = p + o;
        const tok = r.topTokens[base + o + 2];
        const act = r.topActs[base + o + 2];
        if (q < 0 || q >= seq) {
          assert.equal(tok, -1);
          continue;
        }
        assert.equal(tok, batches[batch].ids[s][q], `feature ${feat} top ${k} offset ${o} (batch ${batch} seq ${s} pos ${p})`);
        // Position 0 was ignored, so its activation reads 0 in the window.
        const want = q === 0 ? 0 : batches[batch].vals[(s * seq + q) * d + feat];
        assert.ok(Math.abs(act - want) < 1e-6);
      }
    }
  }
  acc.dispose();
});
