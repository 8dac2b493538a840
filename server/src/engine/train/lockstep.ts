// Several SAEs trained in lockstep on one activation stream, as SAELens's multi-SAE trainer does:
// each step's batch is built once and every SAE takes its step on it. Batch s is a pure function of
// (seed, s) (activation-source.ts), so an SAE trained here ends bit-for-bit where it would alone;
// what lockstep saves is the batch gather and the one pass over the model that filled the stream.
// Held-out L0 / FVU is measured every `evalEvery` steps so a sweep can show it has converged.
import type { Tensor2D } from '../tf';
import { evaluateSae, type SaeMetrics } from '../eval/sae-metrics';
import type { Trainer } from './trainer';
import type { TrainProgressEvent } from './types';

/** One held-out measurement along a run. */
export interface CurvePoint {
  step: number;
  tokens: number;
  'metrics/l0': number;
  'metrics/fvu': number;
  'sparsity/dead_features': number;
  /** The training objective on the last logged batch (mse + λ·sparsity + aux). */
  'losses/overall_loss'?: number;
}

export interface LockstepOptions {
  /** Held-out raw activations [n, d_in] for the curve; none: no curve. */
  heldOut?: { data: Float32Array; dIn: number };
  /** Steps between held-out measurements (default 100); the last step is always measured. */
  evalEvery?: number;
  onEval?: (index: number, point: CurvePoint) => void;
  onProgress?: (index: number, e: TrainProgressEvent) => void;
  /** Seconds each step of trainer `index` took (its own share of the lockstep time). */
  onStepSeconds?: (index: number, seconds: number) => void;
  /**
   * A trainer whose step throws (a NaN loss: finite-guard.ts) is reported here and dropped while the
   * others go on; without this handler the error ends the whole loop.
   */
  onError?: (index: number, error: Error) => void;
  /** Polled every step; when true every unfinished trainer checkpoints and the loop returns. */
  shouldStop?: () => boolean;
}

/** Checks that the trainers can share batches: one source, batch size, seed and normalisation. */
export function assertLockstepCompatible(trainers: readonly Trainer[]): void {
  const [a] = trainers;
  for (const t of trainers) {
    const why =
      t.source !== a.source
        ? 'a different activation source'
        : t.cfg.batchSize !== a.cfg.batchSize
          ? `batch size ${t.cfg.batchSize} (not ${a.cfg.batchSize})`
          : t.cfg.seed !== a.cfg.seed
            ? `seed ${t.cfg.seed} (not ${a.cfg.seed})`
            : t.scale !== a.scale
              ? `normalisation scale ${t.scale} (not ${a.scale})`
              : undefined;
    if (why) throw new Error(`lockstep: ${t.out} has ${why}; SAEs stepped together must share their batches`);
  }
}

/** Held-out metrics of a trainer's SAE now, on raw activations. */
export function heldOutPoint(t: Trainer, data: Float32Array, dIn: number, last?: TrainProgressEvent): CurvePoint {
  const sae = t.frozenRaw();
  let m: SaeMetrics;
  try {
    m = evaluateSae(sae, data, dIn).metrics;
  } finally {
    sae.dispose();
  }
  return {
    step: t.stepIndex,
    tokens: t.tokens,
    'metrics/l0': m['metrics/l0'],
    'metrics/fvu': m['metrics/fvu'],
    'sparsity/dead_features': m['sparsity/dead_features'],
    ...(last ? { 'losses/overall_loss': last['losses/overall_loss'] } : {}),
  };
}

/**
 * Steps every trainer to its `cfg.steps`. Trainers resumed at different steps are each stepped from
 * where they stand (the batch for step s is the same for all). Returns whether it was stopped.
 */
export async function trainLockstep(trainers: readonly Trainer[], opts: LockstepOptions = {}): Promise<{ stopped: boolean }> {
  if (trainers.length === 0) return { stopped: false };
  assertLockstepCompatible(trainers);
  const every = opts.evalEvery ?? 100;
  const last: (TrainProgressEvent | undefined)[] = trainers.map(() => undefined);
  const failed = new Set<number>();
  const start = Math.min(...trainers.map((t) => t.stepIndex));
  const end = Math.max(...trainers.map((t) => t.cfg.steps));
  for (let s = start; s < end; s++) {
    if (opts.shouldStop?.()) {
      for (const [i, t] of trainers.entries()) if (!t.done() && !failed.has(i)) t.checkpoint();
      return { stopped: true };
    }
    const due = trainers.map((t, i) => [t, i] as const).filter(([t, i]) => t.stepIndex === s && !t.done() && !failed.has(i));
    if (due.length === 0) continue;
    // x: [batch, d_in] in training units, shared by every due trainer.
    const x: Tensor2D = due[0][0].batchTensor(s);
    try {
      for (const [t, i] of due) {
        const t0 = performance.now();
        let ev: TrainProgressEvent | undefined;
        try {
          ev = t.step(x);
        } catch (e) {
          if (!opts.onError) throw e;
          failed.add(i);
          opts.onError(i, e as Error);
          continue;
        }
        opts.onStepSeconds?.(i, (performance.now() - t0) / 1000);
        if (ev) {
          last[i] = ev;
          opts.onProgress?.(i, ev);
        }
        if (opts.heldOut && (t.stepIndex % every === 0 || t.done())) opts.onEval?.(i, heldOutPoint(t, opts.heldOut.data, opts.heldOut.dIn, last[i]));
      }
    } finally {
      x.dispose();
    }
    // Let signal handlers (Ctrl-C) run between steps.
    if (s % 4 === 0) await new Promise((r) => setImmediate(r));
  }
  return { stopped: false };
}
