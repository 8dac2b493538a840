// The editor needs each token's few strongest features, not a dense [tokens, d_sae] array. This
// takes the top k on the backend and downloads only [n, k] ids and values plus each token's L0.
import { tf, type Tensor2D } from '../tf';
import type { SparseTopK } from './types';

/**
 * f: [n, d_sae] feature activations -> top-k per row, strongest first. `keep` ([d_sae], 1 = rank,
 * 0 = leave out): features left out (dense ones) are not ranked but still count in L0, and each
 * row's count of them firing is `hidden`.
 */
export async function sparseTopK(f: Tensor2D, k: number, keep?: Float32Array): Promise<SparseTopK & { hidden?: Int32Array }> {
  const [n, dSae] = f.shape;
  if (keep && keep.length !== dSae) throw new Error(`sparseTopK: keep mask has ${keep.length} entries, the SAE ${dSae} features`);
  const kk = Math.max(1, Math.min(k, dSae));
  const { values, indices, l0, hidden } = tf.tidy(() => {
    // step(f) is 1 where f > 0, else 0: one kernel instead of compare + cast (the sum is exact in f32 up to 2^24).
    const fires = tf.step(f); // [n, d_sae]
    const m = keep ? tf.tensor1d(keep) : undefined; // [d_sae]
    const t = tf.topk(m ? tf.mul(f, m) : f, kk);
    const h = m ? tf.sum(tf.mul(fires, tf.sub(1, m)), 1) : undefined; // [n]
    return { values: t.values, indices: t.indices, l0: tf.sum(fires, 1), hidden: h };
  });
  try {
    const [v, i, c, h] = await Promise.all([values.data(), indices.data(), l0.data(), hidden?.data()]);
    const vals = Float32Array.from(v as Float32Array);
    const ids = Int32Array.from(i as Int32Array);
    // Entries past a token's L0 are zeros picked by topk: report them as value 0 (not features).
    for (let r = 0; r < n; r++) for (let j = 0; j < kk; j++) if (!(vals[r * kk + j] > 0)) vals[r * kk + j] = 0;
    orderTiesByIndex(vals, ids, n, kk);
    return { indices: ids, values: vals, n, k: kk, l0: Int32Array.from(c as Float32Array), ...(h ? { hidden: Int32Array.from(h as Float32Array) } : {}) };
  } finally {
    tf.dispose([values, indices, l0, ...(hidden ? [hidden] : [])]);
  }
}

/**
 * SAELens's tie rule (torch.topk's order): among equal activations the lower feature id comes
 * first. Backends differ in how they order ties inside the k returned, so each row is put in
 * (value desc, id asc) order here. vals, ids: [n, k], rewritten in place.
 */
export function orderTiesByIndex(vals: Float32Array, ids: Int32Array, n: number, k: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * k;
    // Insertion sort: rows arrive sorted by value, so only runs of ties move.
    for (let j = o + 1; j < o + k; j++) {
      const v = vals[j];
      const id = ids[j];
      let i = j - 1;
      while (i >= o && (vals[i] < v || (vals[i] === v && ids[i] > id))) {
        vals[i + 1] = vals[i];
        ids[i + 1] = ids[i];
        i--;
      }
      vals[i + 1] = v;
      ids[i + 1] = id;
    }
  }
}
