// Training as data: the architectures, which hyperparameters each reads, every training default, and
// the TrainConfig wire format (a zod schema, so the type and its runtime check share one source).
// Pure: no tfjs, no node APIs, no side effects, because the webview bundles it. Defaults follow the
// Gemma Scope recipe (spec §2.2-2.3) except where docs/results/README.md says why not.
import { z } from 'zod';

export const ARCHITECTURES = ['jumprelu', 'standard', 'gated', 'topk', 'batchtopk'] as const;
export type SaeArchitecture = (typeof ARCHITECTURES)[number];

/** Other spellings accepted by `jumplens train --arch` (SAELens's pre-6.0 activation name). */
export const ARCH_ALIASES: Readonly<Record<string, SaeArchitecture>> = { relu: 'standard' };

/** An architecture name or alias -> the architecture, or undefined if unknown. */
export function canonicalArchitecture(name: string): SaeArchitecture | undefined {
  if ((ARCHITECTURES as readonly string[]).includes(name)) return name as SaeArchitecture;
  return ARCH_ALIASES[name];
}

/** Names `--arch` accepts: every architecture and every alias. */
export const CLI_ARCH_NAMES: readonly string[] = [...ARCHITECTURES, ...Object.keys(ARCH_ALIASES)];

export interface ArchitectureInfo {
  label: string;
  /** The TrainConfig field that holds λ, or null when sparsity comes from k alone. */
  sparsityField: 'l0Coefficient' | 'l1Coefficient' | null;
  /** λ when the config gives none (JumpReLU: Gemma Scope Fig. 4; L1 SAEs: SAELens's usual 0.1). */
  sparsityCoefficient: number;
  /** The architecture-specific TrainConfig fields this architecture reads. */
  hyperparameters: readonly TrainConfigField[];
}

export const ARCHITECTURE_INFO: Readonly<Record<SaeArchitecture, ArchitectureInfo>> = {
  jumprelu: {
    label: 'JumpReLU',
    sparsityField: 'l0Coefficient',
    sparsityCoefficient: 6e-4,
    hyperparameters: [
      'l0Coefficient',
      'sparsityPenalty',
      'targetL0',
      'initThreshold',
      'bandwidth',
      'initL0',
      'bandwidthScale',
      'thresholdParam',
      'preActLossCoefficient',
    ],
  },
  standard: { label: 'ReLU (standard)', sparsityField: 'l1Coefficient', sparsityCoefficient: 0.1, hyperparameters: ['l1Coefficient'] },
  gated: { label: 'Gated', sparsityField: 'l1Coefficient', sparsityCoefficient: 0.1, hyperparameters: ['l1Coefficient'] },
  topk: { label: 'TopK', sparsityField: null, sparsityCoefficient: 0, hyperparameters: ['k', 'auxKCoefficient', 'kAux'] },
  batchtopk: { label: 'BatchTopK', sparsityField: null, sparsityCoefficient: 0, hyperparameters: ['k', 'auxKCoefficient', 'kAux', 'thresholdEmaRate'] },
};

/** A default as a form shows it: small numbers in exponent notation (7e-5, not 0.00007). */
export function formatDefault(v: number | string | boolean): string {
  return typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
}

/** Architectures that read TrainConfig field `f` (for forms that show a field only where it applies). */
export function architecturesUsing(f: TrainConfigField): SaeArchitecture[] {
  return ARCHITECTURES.filter((a) => ARCHITECTURE_INFO[a].hyperparameters.includes(f));
}

/** Every default the trainer applies to a field the config leaves out. */
export const TRAIN_DEFAULTS = {
  lr: 7e-5,
  batchSize: 4096,
  seed: 0,
  k: 32,
  /**
   * JumpReLU kernel bandwidth ε and initial threshold θ₀ (training units, E||x||² = 1): left out,
   * JumpReLU chooses both from the first batch (server/src/engine/train/jumprelu-init.ts; issue #11,
   * docs/results/jumprelu-defaults.md) — θ₀ per latent so that the step-0 L0 is d_sae / initL0Divisor,
   * ε = bandwidthScale · std of the pre-activations. These values are the paper's fixed ones, kept for
   * architectures that never read them.
   */
  bandwidth: 0.001,
  initThreshold: 0.001,
  initL0Divisor: 32,
  bandwidthScale: 0.5,
  /** θ as the variable ("raw", clamped ≥ 0, as SAELens #718); "log" is the paper-faithful log θ ([JR] App. J), which under Adam moves θ by only ~θ·lr a step. */
  thresholdParam: 'raw',
  sparsityPenalty: 'l0',
  targetL0: 0,
  lrDecaySteps: 0,
  adamBeta1: 0,
  adamBeta2: 0.999,
  adamEps: 1e-8,
  normalize: true,
  preActLossCoefficient: 0,
  auxKCoefficient: 1 / 32,
  thresholdEmaRate: 0.01,
  checkpointEvery: 500,
  logEvery: 10,
  thresholdsOnly: false,
  /** lr warm-up: min(lrWarmupMax, floor(steps / lrWarmupDivisor)) steps ([GS]: 1000). */
  lrWarmupMax: 1000,
  lrWarmupDivisor: 10,
  /** λ warm-up: min(l0WarmupMax, floor(steps / l0WarmupDivisor)) steps ([GS]: 10000). */
  l0WarmupMax: 10000,
  l0WarmupDivisor: 4,
  /** Dead window: min(deadTokensMax, deadWindowBatches · batchSize) tokens. */
  deadTokensMax: 10_000_000,
  deadWindowBatches: 200,
} as const;

/** Defaults that depend on the run's size. */
export function derivedDefaults(
  steps: number,
  batchSize: number,
  dIn: number,
): { lrWarmupSteps: number; l0WarmupSteps: number; deadTokensWindow: number; kAux: number } {
  const d = TRAIN_DEFAULTS;
  return {
    lrWarmupSteps: Math.min(d.lrWarmupMax, Math.floor(steps / d.lrWarmupDivisor)),
    l0WarmupSteps: Math.min(d.l0WarmupMax, Math.floor(steps / d.l0WarmupDivisor)),
    deadTokensWindow: Math.min(d.deadTokensMax, d.deadWindowBatches * batchSize),
    kAux: Math.max(1, Math.floor(dIn / 2)),
  };
}

/**
 * Run sizes for the local models. `form`: the webview's Train / Fine-tune forms. `quick`: the
 * command-palette jobs, mirrored by package.json's jumplens.jobs.trainSteps / jumplens.jobs.dSae
 * (VS Code needs them there; test/unit/protocol-train.test.ts keeps the two equal).
 */
export const RUN_SIZE_DEFAULTS = {
  form: { steps: 2000, d_sae: 512, finetuneSteps: 500 },
  quick: { steps: 150, d_sae: 256 },
} as const;

/**
 * What a palette Train job adds to a config that leaves these out, at the quick run size: the
 * current JumpReLU defaults (raw θ, θ₀ and ε from the first batch) with the lr the frontier's lr
 * search chose (docs/results/frontier/lr-search.json) and a linear lr decay over the last fifth.
 * Measured on stories260K blocks.2 (150 steps × 4,096 tokens, d_sae 256, held-out 50k tokens):
 * L0 16.6, FVU 0.096, Δ LM loss 0.18, where the earlier hand-set recipe (ε = θ₀ = 0.03,
 * quadratic L0 at target 24, lr 3e-3) gave L0 26.1, FVU 0.177, Δ LM loss 0.37.
 */
export const QUICK_TRAIN_RECIPE = {
  lr: 0.01,
  batchSize: 4096,
  l0Coefficient: 0.003,
  /** lrDecaySteps = floor(steps · this). */
  lrDecayFraction: 0.2,
} as const;

/** A numeric field's allowed range. */
export interface FieldBound {
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

/**
 * The allowed range of every numeric training field: the schema below, the trainer's check of raw
 * configs (before any activation is collected: `batchSize 0` once trained and reported L0
 * Infinity) and the CLI's flag parsers all read it.
 */
export const TRAIN_FIELD_BOUNDS = {
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
  initL0: { gt: 0 },
  bandwidthScale: { gt: 0 },
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
} as const satisfies Record<string, FieldBound>;
export type BoundedTrainField = keyof typeof TRAIN_FIELD_BOUNDS;

/** "an integer ≥ 1", "a finite number > 0 and < 1": what a bound allows, for errors and help. */
export function describeBound(b: FieldBound): string {
  const parts = [
    b.min !== undefined ? `≥ ${b.min}` : '',
    b.gt !== undefined ? `> ${b.gt}` : '',
    b.max !== undefined ? `≤ ${b.max}` : '',
    b.lt !== undefined ? `< ${b.lt}` : '',
  ].filter(Boolean);
  return `${b.int ? 'an integer' : 'a finite number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}

export function inBound(v: number, b: FieldBound): boolean {
  return (
    Number.isFinite(v) &&
    (!b.int || Number.isInteger(v)) &&
    (b.min === undefined || v >= b.min) &&
    (b.gt === undefined || v > b.gt) &&
    (b.max === undefined || v <= b.max) &&
    (b.lt === undefined || v < b.lt)
  );
}

/** A number field held to its TRAIN_FIELD_BOUNDS range. */
function bounded(f: BoundedTrainField) {
  const b: FieldBound = TRAIN_FIELD_BOUNDS[f];
  return z.number().refine((v) => inBound(v, b), `must be ${describeBound(b)}`);
}

const architecture = z.enum(ARCHITECTURES, {
  error: (iss) => `unknown architecture ${JSON.stringify(iss.input)} (${ARCHITECTURES.join(', ')})`,
});

/** The fields a training config may carry, named as on the wire (run.json, job specs, sweeps). */
export const TrainConfigSchema = z.object({
  architecture,
  // Where activations come from: a model + hook + text corpus, or a .npy/.safetensors [n, d_in].
  model: z.string().optional(),
  hook: z.string().optional(),
  corpus: z.string().optional(),
  activations: z.string().optional(),
  activationCache: z.string().optional(),
  contextSize: bounded('contextSize').optional(),
  prependBos: z.boolean().optional(),
  dropBos: z.boolean().optional(),
  /** Activations to collect (default: the whole corpus). */
  tokens: bounded('tokens').optional(),
  /** Training budget in tokens; steps = ceil(trainTokens / batchSize) when steps is absent. */
  trainTokens: bounded('trainTokens').optional(),
  maxDocs: bounded('maxDocs').optional(),
  skipDocs: bounded('skipDocs').optional(),
  d_sae: bounded('d_sae'),
  /** λ of JumpReLU's L0 penalty (and the fallback for the L1 SAEs). */
  l0Coefficient: bounded('l0Coefficient').optional(),
  /** λ of the L1 penalty (standard, gated). */
  l1Coefficient: bounded('l1Coefficient').optional(),
  k: bounded('k').optional(),
  lr: bounded('lr'),
  batchSize: bounded('batchSize'),
  steps: bounded('steps'),
  seed: bounded('seed'),
  /** Output directory (SAELens layout + metrics.json + train-log.jsonl + checkpoints/). */
  out: z.string(),
  checkpointEvery: bounded('checkpointEvery').optional(),
  logEvery: bounded('logEvery').optional(),
  /** Fine-tuning: start from this SAE; `thresholdsOnly` trains θ alone. */
  initFrom: z.string().optional(),
  thresholdsOnly: z.boolean().optional(),
  bandwidth: bounded('bandwidth').optional(),
  initThreshold: bounded('initThreshold').optional(),
  /** JumpReLU, θ₀ from the data: the mean L0 the initial thresholds give on the first batch. */
  initL0: bounded('initL0').optional(),
  /** JumpReLU, ε from the data: ε = bandwidthScale · std(first batch's pre-activations). */
  bandwidthScale: bounded('bandwidthScale').optional(),
  thresholdParam: z.enum(['log', 'raw']).optional(),
  /** JumpReLU sparsity term: λ·L0 ([JR] Eq. 9) or λ·(2/L0*)·(L0 − L0*)² ([GS2]). */
  sparsityPenalty: z.enum(['l0', 'quadratic_l0']).optional(),
  targetL0: bounded('targetL0').optional(),
  lrWarmupSteps: bounded('lrWarmupSteps').optional(),
  lrDecaySteps: bounded('lrDecaySteps').optional(),
  l0WarmupSteps: bounded('l0WarmupSteps').optional(),
  adamBeta1: bounded('adamBeta1').optional(),
  adamBeta2: bounded('adamBeta2').optional(),
  adamEps: bounded('adamEps').optional(),
  normalize: z.boolean().optional(),
  preActLossCoefficient: bounded('preActLossCoefficient').optional(),
  auxKCoefficient: bounded('auxKCoefficient').optional(),
  kAux: bounded('kAux').optional(),
  deadTokensWindow: bounded('deadTokensWindow').optional(),
  thresholdEmaRate: bounded('thresholdEmaRate').optional(),
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigField = keyof TrainConfig;
export type SparsityPenalty = NonNullable<TrainConfig['sparsityPenalty']>;

/** What a config may leave out because TRAIN_DEFAULTS has it (steps may come from trainTokens). */
const TrainConfigInput = TrainConfigSchema.partial({ lr: true, batchSize: true, seed: true, steps: true });

/** A config file's first problem as `<source>: field "<path>": <problem>` (the field left out at the top level). */
export function configError(source: string, error: z.ZodError): Error {
  const iss = error.issues[0];
  const field = iss.path.join('.');
  return new Error(field ? `${source}: field "${field}": ${iss.message}` : `${source}: ${iss.message}`);
}

/**
 * Validates a training config read from `source` (a file name or "train config") and fills lr,
 * batchSize and seed from TRAIN_DEFAULTS. Unknown keys pass through (sweeps add `label`). Throws
 * `<source>: field "<name>" <problem>`.
 */
export function parseTrainConfig(raw: unknown, source = 'train config'): TrainConfig {
  const r = TrainConfigInput.safeParse(raw);
  if (!r.success) throw configError(source, r.error);
  const d = TRAIN_DEFAULTS;
  return { ...(raw as object), lr: d.lr, batchSize: d.batchSize, seed: d.seed, ...stripUndefined(r.data) } as TrainConfig;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** One progress event per logged step. Keys follow SAELens's W&B metric names. */
export interface TrainProgressEvent {
  step: number;
  totalSteps: number;
  tokens: number;
  'losses/mse_loss': number;
  'losses/sparsity_loss'?: number;
  'losses/overall_loss': number;
  'metrics/l0': number;
  'metrics/explained_variance': number;
  'sparsity/dead_features': number;
  'details/current_learning_rate': number;
  'details/current_l0_coefficient'?: number;
  /** Quantiles of θ (JumpReLU), for the threshold-distribution plot. */
  thresholdQuantiles?: number[];
  [metric: string]: number | number[] | undefined;
}

export interface TrainResult {
  out: string;
  steps: number;
  tokens: number;
  metrics: Record<string, number>;
}
