// The allowed range of every numeric training field, checked on the raw config (job fields, run.json,
// CLI flags) before any activation is collected: `batchSize 0` used to train and report L0 Infinity.
import type { TrainConfig } from './types';

interface Bound {
  int?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  lt?: number;
}

export const TRAIN_FIELD_BOUNDS: Record<string, Bound> = {
  steps: { int: true, min: 1 },
  d_sae: { int: true, min: 1 },
  batchSize: { int: true, min: 1 },
  // lr 0 is allowed: a zero-step-size run evaluates the starting SAE (fine-tuning tests use it).
  lr: { min: 0 },
  seed: { int: true },
  k: { int: true, min: 1 },
  l0Coefficient: { min: 0 },
  l1Coefficient: { min: 0 },
  bandwidth: { gt: 0 },
  initThreshold: { gt: 0 },
  lrWarmupSteps: { int: true, min: 0 },
  lrDecaySteps: { int: true, min: 0 },
  l0WarmupSteps: { int: true, min: 0 },
  adamBeta1: { min: 0, lt: 1 },
  adamBeta2: { min: 0, lt: 1 },
  adamEps: { gt: 0 },
  preActLossCoefficient: { min: 0 },
  auxKCoefficient: { min: 0 },
  kAux: { int: true, min: 1 },
  deadTokensWindow: { int: true, min: 1 },
  thresholdEmaRate: { gt: 0, max: 1 },
  checkpointEvery: { int: true, min: 0 },
  logEvery: { int: true, min: 1 },
  targetL0: { min: 0 },
  contextSize: { int: true, min: 2 },
  tokens: { int: true, min: 1 },
  trainTokens: { int: true, min: 1 },
  maxDocs: { int: true, min: 1 },
  skipDocs: { int: true, min: 0 },
};

/** "an integer ≥ 1", "a number > 0 and < 1": what a bound allows, for error messages and help. */
export function describeBound(b: Bound): string {
  const parts = [
    b.min !== undefined ? `≥ ${b.min}` : '',
    b.gt !== undefined ? `> ${b.gt}` : '',
    b.max !== undefined ? `≤ ${b.max}` : '',
    b.lt !== undefined ? `< ${b.lt}` : '',
  ].filter(Boolean);
  return `${b.int ? 'an integer' : 'a finite number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}

export function inBound(v: number, b: Bound): boolean {
  return (
    Number.isFinite(v) &&
    (!b.int || Number.isInteger(v)) &&
    (b.min === undefined || v >= b.min) &&
    (b.gt === undefined || v > b.gt) &&
    (b.max === undefined || v <= b.max) &&
    (b.lt === undefined || v < b.lt)
  );
}

/** Throws `train config: field "batchSize" must be an integer ≥ 1, got 0` for the first bad field. */
export function checkTrainConfigFields(cfg: TrainConfig | Record<string, unknown>, where = 'train config'): void {
  for (const [key, b] of Object.entries(TRAIN_FIELD_BOUNDS)) {
    const v = (cfg as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !inBound(v, b)) throw new Error(`${where}: field "${key}" must be ${describeBound(b)}, got ${JSON.stringify(v)}`);
  }
}
