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
 * What a palette Train job adds to a config that leaves these out: the recipe of the default SAE
 * (docs/results/README.md) at the quick run size. With TRAIN_DEFAULTS (Gemma Scope's η = 7e-5,
 * ε = θ₀ = 0.001) a few hundred steps end at explained variance below 0; with these, 150 steps of
 * 4,096 tokens on stories260K / the bundled corpus end at L0 ≈ 26, explained variance ≈ 0.83
 * (about a minute on two cores, activation collection included).
 */
export const QUICK_TRAIN_RECIPE = {
  lr: 3e-3,
  batchSize: 4096,
  bandwidth: 0.03,
  initThreshold: 0.03,
  thresholdParam: 'raw',
  sparsityPenalty: 'quadratic_l0',
  targetL0: 24,
  l0Coefficient: 0.01,
} as const;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = z.number().int('must be a positive integer').positive('must be a positive integer');

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
  contextSize: positiveInt.optional(),
  prependBos: z.boolean().optional(),
  dropBos: z.boolean().optional(),
  /** Activations to collect (default: the whole corpus). */
  tokens: positiveInt.optional(),
  /** Training budget in tokens; steps = ceil(trainTokens / batchSize) when steps is absent. */
  trainTokens: positiveInt.optional(),
  maxDocs: positiveInt.optional(),
  skipDocs: z.number().int().nonnegative().optional(),
  d_sae: positiveInt,
  /** λ of JumpReLU's L0 penalty (and the fallback for the L1 SAEs). */
  l0Coefficient: finite.optional(),
  /** λ of the L1 penalty (standard, gated). */
  l1Coefficient: finite.optional(),
  k: finite.optional(),
  lr: finite,
  batchSize: positiveInt,
  steps: positiveInt,
  seed: finite,
  /** Output directory (SAELens layout + metrics.json + train-log.jsonl + checkpoints/). */
  out: z.string(),
  checkpointEvery: finite.optional(),
  logEvery: finite.optional(),
  /** Fine-tuning: start from this SAE; `thresholdsOnly` trains θ alone. */
  initFrom: z.string().optional(),
  thresholdsOnly: z.boolean().optional(),
  bandwidth: finite.optional(),
  initThreshold: finite.optional(),
  /** JumpReLU, θ₀ from the data: the mean L0 the initial thresholds give on the first batch. */
  initL0: finite.optional(),
  /** JumpReLU, ε from the data: ε = bandwidthScale · std(first batch's pre-activations). */
  bandwidthScale: finite.optional(),
  thresholdParam: z.enum(['log', 'raw']).optional(),
  /** JumpReLU sparsity term: λ·L0 ([JR] Eq. 9) or λ·(2/L0*)·(L0 − L0*)² ([GS2]). */
  sparsityPenalty: z.enum(['l0', 'quadratic_l0']).optional(),
  targetL0: finite.optional(),
  lrWarmupSteps: finite.optional(),
  lrDecaySteps: finite.optional(),
  l0WarmupSteps: finite.optional(),
  adamBeta1: finite.optional(),
  adamBeta2: finite.optional(),
  adamEps: finite.optional(),
  normalize: z.boolean().optional(),
  preActLossCoefficient: finite.optional(),
  auxKCoefficient: finite.optional(),
  kAux: finite.optional(),
  deadTokensWindow: finite.optional(),
  thresholdEmaRate: finite.optional(),
});

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type TrainConfigField = keyof TrainConfig;
export type SparsityPenalty = NonNullable<TrainConfig['sparsityPenalty']>;

/** What a config may leave out because TRAIN_DEFAULTS has it (steps may come from trainTokens). */
const TrainConfigInput = TrainConfigSchema.partial({ lr: true, batchSize: true, seed: true, steps: true });

/**
 * Validates a training config read from `source` (a file name or "train config") and fills lr,
 * batchSize and seed from TRAIN_DEFAULTS. Unknown keys pass through (sweeps add `label`). Throws
 * `<source>: field "<name>" <problem>`.
 */
export function parseTrainConfig(raw: unknown, source = 'train config'): TrainConfig {
  const r = TrainConfigInput.safeParse(raw);
  if (!r.success) {
    const iss = r.error.issues[0];
    const field = iss.path.join('.');
    throw new Error(field ? `${source}: field "${field}": ${iss.message}` : `${source}: ${iss.message}`);
  }
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
