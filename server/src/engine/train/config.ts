// TrainConfig with every optional knob resolved to a default. The defaults themselves live in
// protocol/train.ts (TRAIN_DEFAULTS, ARCHITECTURE_INFO); see docs/results/README.md for the values
// the committed runs override and why (a tiny model and ~1M tokens cannot use ε = θ₀ = 0.001).
import { ARCHITECTURE_INFO, TRAIN_DEFAULTS, derivedDefaults, parseTrainConfig, type SaeArchitecture, type TrainConfig } from '../../../../protocol/train';
import type { BatchTopKTrainFields } from '../sae/batchtopk';
import type { JumpReluTrainFields } from '../sae/jumprelu';
import { architectureOf } from '../sae/registry';
import type { TopKTrainFields } from '../sae/topk';
import { checkTrainConfigFields } from './config-bounds';

/** Fields every architecture's training reads. */
export interface CommonTrainFields {
  architecture: SaeArchitecture;
  d_in: number;
  d_sae: number;
  lr: number;
  batchSize: number;
  steps: number;
  seed: number;
  /** λ: L0 coefficient (jumprelu) or L1 coefficient (standard, gated). */
  sparsityCoefficient: number;
  /** Cosine warm-up of lr from 0.1·lr to lr over this many steps ([GS]: 1000). */
  lrWarmupSteps: number;
  /** Linear decay of lr to 0 over the last this-many steps (0 = none, as in [GS]). */
  lrDecaySteps: number;
  /** Linear warm-up of λ from 0 over this many steps ([GS]: 10000). */
  l0WarmupSteps: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  /** Scale inputs by one dataset-wide C so that E||x/C||² = 1 ([GS] §3.1). */
  normalize: boolean;
  /** A latent is dead once it has not fired for this many training tokens. */
  deadTokensWindow: number;
  checkpointEvery: number;
  logEvery: number;
  thresholdsOnly: boolean;
}

/**
 * Every field resolved. The architecture-specific groups are declared beside their training class;
 * all are resolved for every run so cfg.json's jumplens_training.config records the full recipe.
 */
export interface ResolvedTrainConfig extends CommonTrainFields, JumpReluTrainFields, TopKTrainFields, BatchTopKTrainFields {}

/** Resolves every field, validating through protocol/train.ts's schema; dIn: the activations' width. */
export function resolveTrainConfig(raw: TrainConfig, dIn: number): ResolvedTrainConfig {
  checkTrainConfigFields(raw);
  const cfg = parseTrainConfig(raw);
  const arch = cfg.architecture;
  const info = ARCHITECTURE_INFO[arch];
  const { steps, d_sae, batchSize } = cfg;
  if (!(steps > 0) || !Number.isInteger(steps)) throw new Error(`train config: field "steps" must be a positive integer, got ${steps}`);
  const d = TRAIN_DEFAULTS;
  const derived = derivedDefaults(steps, batchSize, dIn);
  // λ: the architecture's own field, then l0Coefficient (the CLI's --l0-coefficient), then its default.
  const own = info.sparsityField === 'l0Coefficient' ? cfg.l0Coefficient : cfg.l1Coefficient;
  const resolved: ResolvedTrainConfig = {
    architecture: arch,
    d_in: dIn,
    d_sae,
    lr: cfg.lr,
    batchSize,
    steps,
    seed: cfg.seed,
    sparsityCoefficient: own ?? cfg.l0Coefficient ?? info.sparsityCoefficient,
    k: cfg.k ?? d.k,
    // NaN: JumpReLU chooses them from the first batch (jumprelu-init.ts).
    bandwidth: cfg.bandwidth ?? (info.hyperparameters.includes('bandwidth') ? Number.NaN : d.bandwidth),
    initThreshold: cfg.initThreshold ?? (info.hyperparameters.includes('initThreshold') ? Number.NaN : d.initThreshold),
    initL0: cfg.initL0 ?? Math.max(1, Math.round(d_sae / d.initL0Divisor)),
    bandwidthScale: cfg.bandwidthScale ?? d.bandwidthScale,
    thresholdParam: cfg.thresholdParam ?? d.thresholdParam,
    lrWarmupSteps: cfg.lrWarmupSteps ?? derived.lrWarmupSteps,
    lrDecaySteps: cfg.lrDecaySteps ?? d.lrDecaySteps,
    l0WarmupSteps: cfg.l0WarmupSteps ?? derived.l0WarmupSteps,
    adamBeta1: cfg.adamBeta1 ?? d.adamBeta1,
    adamBeta2: cfg.adamBeta2 ?? d.adamBeta2,
    adamEps: cfg.adamEps ?? d.adamEps,
    normalize: cfg.normalize ?? d.normalize,
    preActLossCoefficient: cfg.preActLossCoefficient ?? d.preActLossCoefficient,
    auxKCoefficient: cfg.auxKCoefficient ?? d.auxKCoefficient,
    kAux: cfg.kAux ?? derived.kAux,
    deadTokensWindow: cfg.deadTokensWindow ?? derived.deadTokensWindow,
    thresholdEmaRate: cfg.thresholdEmaRate ?? d.thresholdEmaRate,
    checkpointEvery: cfg.checkpointEvery ?? d.checkpointEvery,
    logEvery: cfg.logEvery ?? d.logEvery,
    thresholdsOnly: cfg.thresholdsOnly ?? d.thresholdsOnly,
    sparsityPenalty: cfg.sparsityPenalty ?? d.sparsityPenalty,
    targetL0: cfg.targetL0 ?? d.targetL0,
  };
  architectureOf(arch).training.validate(resolved);
  return resolved;
}

/** lr at a 0-based step: cosine warm-up 0.1η→η, constant, optional linear decay to 0. */
export function lrAt(c: ResolvedTrainConfig, step: number): number {
  let lr = c.lr;
  if (c.lrWarmupSteps > 0 && step < c.lrWarmupSteps) {
    const t = step / c.lrWarmupSteps;
    lr = c.lr * (0.1 + 0.9 * 0.5 * (1 - Math.cos(Math.PI * t)));
  }
  const decayStart = c.steps - c.lrDecaySteps;
  if (c.lrDecaySteps > 0 && step >= decayStart) lr *= Math.max(0, (c.steps - step) / c.lrDecaySteps);
  return lr;
}

/** λ at a 0-based step: linear warm-up from 0. */
export function sparsityCoefficientAt(c: ResolvedTrainConfig, step: number): number {
  if (c.l0WarmupSteps <= 0) return c.sparsityCoefficient;
  return c.sparsityCoefficient * Math.min(1, (step + 1) / c.l0WarmupSteps);
}
