// Plain-JS reference SAEs for format-compatibility fixtures: a seeded stream of weights and the
// encoders written out loop by loop, so a loader is checked against arithmetic, not against itself.
import assert from 'node:assert/strict';
import { tf, type Tensor2D } from '../../server/src/engine/tf';
import type { loadSae } from '../../server/src/engine/sae/io';

/** A small deterministic generator, so fixtures differ from tfjs's own random streams. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}
export const fill = (n: number, r: () => number, scale = 1) => Float32Array.from({ length: n }, () => r() * scale);

/** Plain reference pre-activations z = (x − b_dec·apply) W_enc + b_enc; x: [n, d_in], W_enc: [d_in, d_sae]. */
export function refPre(
  x: Float32Array,
  n: number,
  dIn: number,
  dSae: number,
  W: Float32Array,
  bEnc: Float32Array,
  bDec: Float32Array,
  applyBDec: boolean,
): Float64Array {
  const z = new Float64Array(n * dSae);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dSae; j++) {
      let s = bEnc[j];
      for (let i = 0; i < dIn; i++) s += (x[r * dIn + i] - (applyBDec ? bDec[i] : 0)) * W[i * dSae + j];
      z[r * dSae + j] = s;
    }
  }
  return z;
}
export const refJumpRelu = (z: Float64Array, theta: (j: number) => number, dSae: number) =>
  Float64Array.from(z, (v, i) => (v > theta(i % dSae) ? Math.max(v, 0) : 0));
/** TopK as SAELens: the k largest of each row (ties: lowest index first), ReLU'd. */
export function refTopK(z: Float64Array, n: number, dSae: number, k: number): Float64Array {
  const out = new Float64Array(z.length);
  for (let r = 0; r < n; r++) {
    const idx = Array.from({ length: dSae }, (_, j) => j).sort((a, b) => z[r * dSae + b] - z[r * dSae + a] || a - b);
    for (const j of idx.slice(0, k)) out[r * dSae + j] = Math.max(z[r * dSae + j], 0);
  }
  return out;
}
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}
export function encodeHost(sae: Awaited<ReturnType<typeof loadSae>>, x: Float32Array, n: number): Float32Array {
  const xt = tf.tensor2d(x, [n, sae.dIn]);
  const f = sae.encode(xt as Tensor2D);
  const out = f.dataSync() as Float32Array;
  tf.dispose([xt, f]);
  return out;
}
