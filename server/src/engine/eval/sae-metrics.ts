// Reconstruction and sparsity metrics of an SAE over a set of activations (spec §4): L0, MSE,
// dataset-wide FVU / explained variance, per-feature firing frequencies, dead and very frequent
// features, and a log-frequency histogram (the paper's Fig. 5). Accumulated in batched tf ops.
import { tf, type Tensor, type Tensor2D } from '../tf';

/** The part of the Sae contract evaluation needs: raw activations in, latents and reconstructions out. */
export interface EncoderDecoder {
  readonly dSae: number;
  encode(x: Tensor2D): Tensor2D;
  decode(f: Tensor2D): Tensor2D;
}

export interface SaeMetrics {
  tokens: number;
  'metrics/l0': number;
  /** Σ_d (x - x̂)², averaged over tokens. */
  'metrics/mse': number;
  /** Σ||x - x̂||² / Σ||x - mean(x)||² over the whole set. */
  'metrics/fvu': number;
  'metrics/explained_variance': number;
  /** Never active over the evaluated tokens. */
  'sparsity/dead_features': number;
  'sparsity/above_10pct': number;
  'sparsity/above_1pct': number;
  'sparsity/below_1e-5': number;
}

export interface SaeEvaluation {
  metrics: SaeMetrics;
  /** Firing frequency per feature: [d_sae]. */
  frequencies: Float32Array;
  /** Counts of live features per log10-frequency bin: edges[i] <= log10 f < edges[i+1]. */
  histogram: { edges: number[]; counts: number[] };
}

/** rows: [n, d_in] raw activations, visited in batches of `batchSize`. */
export function evaluateSae(sae: EncoderDecoder, rows: Float32Array, dIn: number, batchSize = 4096): SaeEvaluation {
  const n = rows.length / dIn;
  if (!Number.isInteger(n) || n === 0) throw new Error(`evaluateSae: ${rows.length} values is not a whole number (> 0) of ${dIn}-wide rows`);
  let counts: Tensor = tf.zeros([sae.dSae]);
  let sse = 0,
    l0 = 0,
    sumSq = 0;
  const sum = new Float64Array(dIn);
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const [e, a, s2, xs, c] = tf.tidy(() => {
      const x = tf.tensor2d(rows.subarray(start * dIn, (start + b) * dIn), [b, dIn]);
      const f = sae.encode(x);
      const xh = sae.decode(f);
      const active = tf.cast(tf.greater(f, 0), 'float32');
      return [tf.sum(tf.square(tf.sub(x, xh))), tf.sum(active), tf.sum(tf.square(x)), tf.sum(x, 0), tf.add(counts, tf.sum(active, 0))];
    });
    sse += e.dataSync()[0];
    l0 += a.dataSync()[0];
    sumSq += s2.dataSync()[0];
    const xsd = xs.dataSync();
    for (let j = 0; j < dIn; j++) sum[j] += xsd[j];
    counts.dispose();
    counts = c;
    tf.dispose([e, a, s2, xs]);
  }
  const freq = Float32Array.from(counts.dataSync() as Float32Array, (v) => v / n);
  counts.dispose();
  let meanSq = 0;
  for (let j = 0; j < dIn; j++) meanSq += (sum[j] / n) ** 2;
  const totalVar = sumSq - n * meanSq;
  const fvu = sse / totalVar;
  // Live features fire at least once, so log10 f >= -log10(n) > -10 for any feasible n.
  const edges = [-10, -6, -5, -4, -3, -2, -1, 0.0001];
  const hist = new Array(edges.length - 1).fill(0);
  for (const f of freq) {
    if (f === 0) continue;
    const lf = Math.log10(f);
    for (let i = 0; i < hist.length; i++) if (lf >= edges[i] && lf < edges[i + 1]) hist[i]++;
  }
  return {
    metrics: {
      tokens: n,
      'metrics/l0': l0 / n,
      'metrics/mse': sse / n,
      'metrics/fvu': fvu,
      'metrics/explained_variance': 1 - fvu,
      'sparsity/dead_features': freq.filter((f) => f === 0).length,
      'sparsity/above_10pct': freq.filter((f) => f > 0.1).length,
      'sparsity/above_1pct': freq.filter((f) => f > 0.01).length,
      'sparsity/below_1e-5': freq.filter((f) => f < 1e-5).length,
    },
    frequencies: freq,
    histogram: { edges, counts: hist },
  };
}
