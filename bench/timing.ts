// What the bench cases share: where the real models live and a mean-of-reps timer.
import * as path from 'node:path';

export const SHARED = process.env.JUMPLENS_SHARED ?? path.resolve(__dirname, '..', '..', 'shared');

/** Mean milliseconds per call over `reps` calls, after one warm-up call (kernels, wasm memory). */
export function timeIt(fn: () => void, reps: number): number {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}
