// Next-token choice from a logit row: greedy argmax, or temperature + nucleus (top-p) sampling with
// a seeded PRNG, so a seed reproduces a continuation exactly.
import { mulberry32 } from '../train/prng';
import type { DecodingOptions } from './types';

/** Floats in [0, 1) from a 32-bit seed (mulberry32, the PRNG the trainer's shuffles use). */
export const seededRandom: (seed: number) => () => number = mulberry32;

export function checkDecoding(o: DecodingOptions): void {
  if (!Number.isInteger(o.steps) || o.steps < 0) throw new Error(`steps ${o.steps}: expected a non-negative integer`);
  const t = o.temperature ?? 0;
  if (!Number.isFinite(t) || t < 0) throw new Error(`temperature ${t}: expected a finite number >= 0`);
  const p = o.topP ?? 1;
  if (!(p > 0 && p <= 1)) throw new Error(`top-p ${p}: expected a number in (0, 1]`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new Error(`seed ${o.seed}: expected an integer`);
}

/** First index of the largest value (ties go to the lowest id, as tf.argMax). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** A token picker for one continuation: logits: [vocab] -> token id. */
export function makeSampler(o: DecodingOptions): (logits: Float32Array) => number {
  checkDecoding(o);
  const t = o.temperature ?? 0;
  if (t === 0) return argmax;
  const topP = o.topP ?? 1;
  const rand = seededRandom(o.seed ?? 0);
  return (logits) => {
    const V = logits.length;
    const m = logits[argmax(logits)];
    const p = new Float64Array(V);
    let z = 0;
    for (let i = 0; i < V; i++) z += p[i] = Math.exp((logits[i] - m) / t);
    const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
    // The nucleus: the most probable tokens until their mass reaches topP.
    let keep = 0;
    let mass = 0;
    while (keep < V && mass < topP * z) mass += p[order[keep++]];
    let u = rand() * mass;
    for (let i = 0; i < keep; i++) {
      u -= p[order[i]];
      if (u < 0) return order[i];
    }
    return order[keep - 1];
  };
}
