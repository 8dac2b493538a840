// The toy of issue #11: each row is a sum of `active` DISTINCT directions drawn from a known
// dictionary of `nFeatures` random unit vectors in d_in dimensions, with magnitudes in [1, 3] and a
// little Gaussian noise. Unlike synthetic-acts.ts it returns the dictionary, so a test can ask
// how many true directions the trained decoder recovered.
import { seededStreams, unitDictionary } from './synthetic-acts';

export interface ToyDictionary {
  /** acts: [n, d_in] row-major. */
  acts: Float32Array;
  /** dict: [nFeatures, d_in], unit rows. */
  dict: Float32Array;
  n: number;
  dIn: number;
  nFeatures: number;
}

export function toyDictionary(n = 60_000, dIn = 64, nFeatures = 128, active = 3, seed = 1, noise = 0.01): ToyDictionary {
  const { rnd, gauss } = seededStreams(seed);
  const dict = unitDictionary(gauss, nFeatures, dIn);
  const acts = new Float32Array(n * dIn);
  const picked = new Set<number>();
  for (let r = 0; r < n; r++) {
    picked.clear();
    while (picked.size < active) picked.add(Math.floor(rnd() * nFeatures));
    for (const i of picked) {
      const mag = 1 + 2 * rnd();
      for (let j = 0; j < dIn; j++) acts[r * dIn + j] += mag * dict[i * dIn + j];
    }
    for (let j = 0; j < dIn; j++) acts[r * dIn + j] += noise * gauss();
  }
  return { acts, dict, n, dIn, nFeatures };
}

/**
 * Fraction of the true directions that some decoder row matches at cosine > minCos.
 * wDec: [d_sae, d_in] (any row norms).
 */
export function recoveredFraction(toy: ToyDictionary, wDec: Float32Array, dSae: number, minCos = 0.9): number {
  const { dict, dIn, nFeatures } = toy;
  const norms = new Float32Array(dSae);
  for (let s = 0; s < dSae; s++) {
    let q = 0;
    for (let j = 0; j < dIn; j++) q += wDec[s * dIn + j] ** 2;
    norms[s] = Math.sqrt(q) || 1;
  }
  let found = 0;
  for (let i = 0; i < nFeatures; i++) {
    let best = -1;
    for (let s = 0; s < dSae; s++) {
      let dot = 0;
      for (let j = 0; j < dIn; j++) dot += dict[i * dIn + j] * wDec[s * dIn + j];
      best = Math.max(best, dot / norms[s]);
    }
    if (best > minCos) found++;
  }
  return found / nFeatures;
}

/**
 * L0 (mean active latents per row) and FVU (Σ||x − x̂||² / Σ||x − mean x||²) of an exported
 * SAELens JumpReLU SAE (apply_b_dec_to_input false) on the first `rows` rows of acts: [n, d_in].
 */
export function jumpReluMetrics(
  w: Map<string, { data: Float32Array | ArrayLike<number>; shape: number[] }>,
  acts: Float32Array,
  dIn: number,
  rows: number,
): { l0: number; fvu: number } {
  const We = w.get('W_enc')!.data,
    Wd = w.get('W_dec')!.data,
    be = w.get('b_enc')!.data,
    bd = w.get('b_dec')!.data,
    th = w.get('threshold')!.data;
  const dSae = w.get('W_enc')!.shape[1];
  const mean = new Float64Array(dIn);
  for (let n = 0; n < rows; n++) for (let j = 0; j < dIn; j++) mean[j] += acts[n * dIn + j] / rows;
  const f = new Float32Array(dSae);
  let active = 0,
    sse = 0,
    sst = 0;
  for (let n = 0; n < rows; n++) {
    for (let s = 0; s < dSae; s++) {
      let p = be[s];
      for (let j = 0; j < dIn; j++) p += acts[n * dIn + j] * We[j * dSae + s];
      f[s] = p > th[s] ? p : 0;
      if (f[s] !== 0) active++;
    }
    for (let j = 0; j < dIn; j++) {
      let xh = bd[j];
      for (let s = 0; s < dSae; s++) if (f[s] !== 0) xh += f[s] * Wd[s * dIn + j];
      const x = acts[n * dIn + j];
      sse += (x - xh) ** 2;
      sst += (x - mean[j]) ** 2;
    }
  }
  return { l0: active / rows, fvu: sse / sst };
}
