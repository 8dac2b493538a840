// TrainConfig with every optional knob resolved to a default. Defaults follow the Gemma Scope
// recipe (spec §2.2-2.3) except where noted; see docs/results/README.md for the values the
// committed runs override and why (a tiny model and ~1M tokens cannot use ε = θ₀ = 0.001).
import type { SaeArchitecture } from '../sae/types';
import type { TrainConfig } from './types';

export interface ResolvedTrainConfig {
  architecture: SaeArchitecture;
  d_in: number;
  d_sae: number;
  lr: number;
  batchSize: number;
  steps: number;
  seed: number;
  /** λ: L0 coefficient (jumprelu) or L1 coefficient (standard, gated). */
  sparsityCoefficient: number;
  k: number;
  /**
   * JumpReLU kernel bandwidth ε and initial threshold θ₀ (training units, E||x||² = 1). NaN for
   * jumprelu when the config leaves them out: the trainer then chooses them from the first batch
   * (jumprelu-init.ts) from initL0 and bandwidthScale.
   */
  bandwidth: number;
  initThreshold: number;
  /** Mean L0 the data-chosen θ₀ gives at step 0. */
  initL0: number;
  /** Data-chosen ε = bandwidthScale · std(first batch's pre-activations). */
  bandwidthScale: number;
  /** θ as the trained parameter ("raw", clamped ≥ 0, as SAELens #718) or log θ (paper-faithful, [JR] App. J). */
  thresholdParam: 'log' | 'raw';
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
  /** SAELens's optional pre-activation loss on dead JumpReLU latents (0 = off). */
  preActLossCoefficient: number;
  /** AuxK (topk, batchtopk): α, k_aux (default d_in/2). */
  auxKCoefficient: number;
  kAux: number;
  /** A latent is dead once it has not fired for this many training tokens. */
  deadTokensWindow: number;
  /** BatchTopK inference threshold EMA rate ([SL]: 0.01). */
  thresholdEmaRate: number;
  checkpointEvery: number;
  logEvery: number;
  thresholdsOnly: boolean;
  /** JumpReLU sparsity term: λ·L0 ([JR] Eq. 9) or λ·(2/L0*)·(L0 − L0*)² ([GS2]). */
  sparsityPenalty: 'l0' | 'quadratic_l0';
  targetL0: number;
}

/** Default initL0: a few % of d_sae (issue #11, docs/results/jumprelu-defaults.md). */
export const JUMPRELU_INIT_L0 = (dSae: number): number => Math.max(1, Math.round(dSae / 32));
/** Default bandwidthScale (docs/results/jumprelu-defaults.md). */
export const JUMPRELU_BANDWIDTH_SCALE = 0.5;

function num(cfg: TrainConfig, key: string, dflt: number): number {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`train config: field "${key}" must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

export function resolveTrainConfig(cfg: TrainConfig, dIn: number): ResolvedTrainConfig {
  const arch = cfg.architecture;
  if (!['jumprelu', 'standard', 'topk', 'batchtopk', 'gated'].includes(arch)) {
    throw new Error(`train config: field "architecture": unknown architecture "${arch}" (jumprelu, standard, gated, topk, batchtopk)`);
  }
  const steps = num(cfg, 'steps', NaN);
  if (!(steps > 0) || !Number.isInteger(steps)) throw new Error(`train config: field "steps" must be a positive integer, got ${cfg.steps}`);
  const d_sae = num(cfg, 'd_sae', NaN);
  if (!(d_sae > 0) || !Number.isInteger(d_sae)) throw new Error(`train config: field "d_sae" must be a positive integer, got ${cfg.d_sae}`);
  const batchSize = num(cfg, 'batchSize', 4096);
  const sparsityDefault = arch === 'jumprelu' ? 6e-4 : arch === 'standard' || arch === 'gated' ? 0.1 : 0;
  const sparsityCoefficient = num(cfg, arch === 'jumprelu' ? 'l0Coefficient' : 'l1Coefficient', num(cfg, 'l0Coefficient', sparsityDefault));
  const k = num(cfg, 'k', 32);
  if ((arch === 'topk' || arch === 'batchtopk') && !(k >= 1 && k <= d_sae)) throw new Error(`train config: field "k" must be in [1, d_sae=${d_sae}], got ${k}`);
  // Raw θ by default: under Adam log θ moves θ by only ~θ·lr per step, so short runs never sparsify (issue #11).
  const thresholdParam = (cfg.thresholdParam ?? 'raw') as string;
  if (thresholdParam !== 'log' && thresholdParam !== 'raw') throw new Error(`train config: field "thresholdParam" must be "log" or "raw", got ${thresholdParam}`);
  const sparsityPenalty = (cfg.sparsityPenalty ?? 'l0') as string;
  if (sparsityPenalty !== 'l0' && sparsityPenalty !== 'quadratic_l0') throw new Error(`train config: field "sparsityPenalty" must be "l0" or "quadratic_l0", got ${sparsityPenalty}`);
  if (sparsityPenalty === 'quadratic_l0' && !(num(cfg, 'targetL0', 0) > 0)) throw new Error('train config: field "targetL0" must be > 0 with sparsityPenalty "quadratic_l0"');
  return {
    architecture: arch,
    d_in: dIn,
    d_sae,
    lr: num(cfg, 'lr', 7e-5),
    batchSize,
    steps,
    seed: num(cfg, 'seed', 0),
    sparsityCoefficient,
    k,
    // Non-JumpReLU architectures never read ε/θ₀; keep them finite.
    bandwidth: num(cfg, 'bandwidth', arch === 'jumprelu' ? NaN : 0.001),
    initThreshold: num(cfg, 'initThreshold', arch === 'jumprelu' ? NaN : 0.001),
    initL0: num(cfg, 'initL0', JUMPRELU_INIT_L0(d_sae)),
    bandwidthScale: num(cfg, 'bandwidthScale', JUMPRELU_BANDWIDTH_SCALE),
    thresholdParam,
    lrWarmupSteps: num(cfg, 'lrWarmupSteps', Math.min(1000, Math.floor(steps / 10))),
    lrDecaySteps: num(cfg, 'lrDecaySteps', 0),
    l0WarmupSteps: num(cfg, 'l0WarmupSteps', Math.min(10000, Math.floor(steps / 4))),
    adamBeta1: num(cfg, 'adamBeta1', 0),
    adamBeta2: num(cfg, 'adamBeta2', 0.999),
    adamEps: num(cfg, 'adamEps', 1e-8),
    normalize: cfg.normalize === undefined ? true : Boolean(cfg.normalize),
    preActLossCoefficient: num(cfg, 'preActLossCoefficient', 0),
    auxKCoefficient: num(cfg, 'auxKCoefficient', 1 / 32),
    kAux: num(cfg, 'kAux', Math.max(1, Math.floor(dIn / 2))),
    deadTokensWindow: num(cfg, 'deadTokensWindow', Math.min(10_000_000, 200 * batchSize)),
    thresholdEmaRate: num(cfg, 'thresholdEmaRate', 0.01),
    checkpointEvery: num(cfg, 'checkpointEvery', 500),
    logEvery: num(cfg, 'logEvery', 10),
    thresholdsOnly: Boolean(cfg.thresholdsOnly),
    sparsityPenalty,
    targetL0: num(cfg, 'targetL0', 0),
  };
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
