// Synthetic activations with a known sparse structure: each row is a sum of a few random unit
// "true features" with positive magnitudes, plus small noise. A working SAE trainer must reach high
// explained variance at L0 near the number of active true features.
import { mulberry32 } from '../../server/src/engine/train/prng';

/** A seeded uniform stream and a Box–Muller normal drawn from it. */
export function seededStreams(seed: number): { rnd: () => number; gauss: () => number } {
  const rnd = mulberry32(seed);
  return { rnd, gauss: () => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd()) };
}

/** nFeatures random unit vectors in d_in dimensions: [nFeatures, d_in] row-major. */
export function unitDictionary(gauss: () => number, nFeatures: number, dIn: number): Float32Array {
  const dict = new Float32Array(nFeatures * dIn);
  for (let i = 0; i < nFeatures; i++) {
    let norm = 0;
    for (let j = 0; j < dIn; j++) norm += (dict[i * dIn + j] = gauss()) ** 2;
    for (let j = 0; j < dIn; j++) dict[i * dIn + j] /= Math.sqrt(norm);
  }
  return dict;
}

export function syntheticActivations(n: number, dIn: number, nFeatures: number, active: number, seed = 1): Float32Array {
  const { rnd, gauss } = seededStreams(seed);
  const dict = unitDictionary(gauss, nFeatures, dIn);
  const out = new Float32Array(n * dIn);
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < active; a++) {
      const i = Math.floor(rnd() * nFeatures);
      const mag = 1 + 2 * rnd();
      for (let j = 0; j < dIn; j++) out[r * dIn + j] += mag * dict[i * dIn + j];
    }
    for (let j = 0; j < dIn; j++) out[r * dIn + j] += 0.01 * gauss();
  }
  return out;
}
