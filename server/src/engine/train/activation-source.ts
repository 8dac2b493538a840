// Activations for training, held in memory as one Float32Array [n, d_in], read in batches in a
// seeded shuffled order. Batch s is a pure function of (seed, s), so a resumed run sees exactly
// the batches an uninterrupted one would, with no RNG state to save.
import { mulberry32 } from './prng';

export interface ActivationSource {
  readonly dIn: number;
  readonly n: number;
  /** Rows of training batch `step` (0-based) at the given size: [batchSize, d_in], raw activations. */
  batch(step: number, batchSize: number, seed: number): Float32Array;
  /** Mean squared L2 norm over up to `maxRows` evenly spaced rows. */
  meanSquaredNorm(maxRows?: number): number;
  /** Mean activation over up to `maxRows` rows: [d_in]. */
  mean(maxRows?: number): Float32Array;
}

export class ArrayActivations implements ActivationSource {
  readonly n: number;
  private perm: Uint32Array | undefined;
  private permKey = '';

  constructor(
    readonly data: Float32Array,
    readonly dIn: number,
    readonly label = 'activations',
  ) {
    if (!(dIn > 0) || data.length % dIn !== 0) throw new Error(`${label}: length ${data.length} is not a multiple of d_in=${dIn}`);
    this.n = data.length / dIn;
    if (this.n === 0) throw new Error(`${label}: no activations`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new Error(`${label}: non-finite value at row ${Math.floor(i / dIn)}, column ${i % dIn}`);
    }
  }

  private permutation(seed: number, epoch: number): Uint32Array {
    const key = `${seed}:${epoch}`;
    if (this.perm && this.permKey === key) return this.perm;
    const p = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) p[i] = i;
    const rnd = mulberry32((seed * 0x9e3779b1 + epoch * 0x85ebca6b) >>> 0);
    for (let i = this.n - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    this.perm = p;
    this.permKey = key;
    return p;
  }

  batch(step: number, batchSize: number, seed: number): Float32Array {
    const out = new Float32Array(batchSize * this.dIn);
    let pos = step * batchSize;
    for (let r = 0; r < batchSize; r++, pos++) {
      const epoch = Math.floor(pos / this.n);
      const row = this.permutation(seed, epoch)[pos % this.n];
      out.set(this.data.subarray(row * this.dIn, (row + 1) * this.dIn), r * this.dIn);
    }
    return out;
  }

  private rows(maxRows: number): number[] {
    const count = Math.min(this.n, maxRows);
    const stride = this.n / count;
    return Array.from({ length: count }, (_, i) => Math.floor(i * stride));
  }

  meanSquaredNorm(maxRows = 1 << 20): number {
    let s = 0;
    const rows = this.rows(maxRows);
    for (const r of rows) for (let j = 0; j < this.dIn; j++) s += this.data[r * this.dIn + j] ** 2;
    return s / rows.length;
  }

  mean(maxRows = 1 << 20): Float32Array {
    const m = new Float64Array(this.dIn);
    const rows = this.rows(maxRows);
    for (const r of rows) for (let j = 0; j < this.dIn; j++) m[j] += this.data[r * this.dIn + j];
    return Float32Array.from(m, (v) => v / rows.length);
  }
}
