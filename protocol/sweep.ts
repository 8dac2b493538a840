// A frontier sweep as data: the config file `jumplens sweep --config` reads (sites × architectures ×
// sparsity levels, a per-architecture learning-rate search) and the rows it writes, which the
// dashboard's frontier view also reads. Pure zod, like train.ts, because the webview bundles it.
import { z } from 'zod';
import { ARCHITECTURES, ARCHITECTURE_INFO, configError, TrainConfigSchema } from './train';

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const positiveInt = z.number().int('must be a positive integer').positive('must be a positive integer');
const architecture = z.enum(ARCHITECTURES, {
  error: (iss) => `unknown architecture ${JSON.stringify(iss.input)} (${ARCHITECTURES.join(', ')})`,
});

/** Fields that set a run's sparsity: λ fields, then k (from the architectures' metadata). */
export const SPARSITY_KEYS = [...new Set(ARCHITECTURES.map((a) => ARCHITECTURE_INFO[a].sparsityField ?? 'k'))] as ('l0Coefficient' | 'l1Coefficient' | 'k')[];

const levels = z.union([finite, z.array(finite).min(1, 'needs at least one value')]);

/** Training fields every run of a sweep shares; the site's hook and out are the sweep's to set. */
const CommonSchema = TrainConfigSchema.omit({ architecture: true, out: true, hook: true, model: true, corpus: true }).partial();

/** One line of the plot: an architecture and its sparsity levels (an array expands to one run each). */
export const SweepRunSchema = CommonSchema.omit({ l0Coefficient: true, l1Coefficient: true, k: true }).extend({
  architecture,
  label: z.string().optional(),
  l0Coefficient: levels.optional(),
  l1Coefficient: levels.optional(),
  k: levels.optional(),
});

export const SweepConfigSchema = z
  .object({
    model: z.string(),
    corpus: z.string(),
    /** One site, or several (`hooks`): every site trains the same runs on its own activations. */
    hook: z.string().optional(),
    hooks: z.array(z.string()).min(1).optional(),
    contextSize: positiveInt.optional(),
    /** Train on the first N documents; evaluate on the documents after them. */
    trainDocs: positiveInt.optional(),
    /** One site: its activation cache file. */
    activationCache: z.string().optional(),
    /** Several sites: a folder for one cache file per site. */
    activationCacheDir: z.string().optional(),
    /** Checkpoints and SAE weights (large, not committed); results go to `out`. Default: out/work. */
    workDir: z.string().optional(),
    eval: z
      .object({
        corpus: z.string().optional(),
        skipDocs: z.number().int().nonnegative().optional(),
        tokens: positiveInt.optional(),
        lmSequences: positiveInt.optional(),
        /** Tokens of the held-out set measured along each run (default 16,384). */
        curveTokens: positiveInt.optional(),
      })
      .optional(),
    /** Steps between held-out measurements along each run (default 100). */
    evalEvery: positiveInt.optional(),
    common: CommonSchema.default({}),
    runs: z.array(SweepRunSchema).min(1, 'needs at least one run'),
    /**
     * Learning-rate search: for each architecture, its middle sparsity level trained at each lr on
     * `hook` for `steps`; the lr with the lowest final training objective is used by every run of
     * that architecture that does not set its own lr. Recorded in lr-search.json.
     */
    lrSearch: z.object({ hook: z.string(), lrs: z.array(finite).min(2), steps: positiveInt.optional() }).optional(),
    /** L0 values at which the comparison table interpolates FVU and Δ LM loss. */
    compareAt: z.array(finite).optional(),
    out: z.string(),
  })
  .refine((c) => c.hook || c.hooks, { message: 'give "hook" or "hooks"' });

export type SweepConfig = z.infer<typeof SweepConfigSchema>;
export type SweepRun = z.infer<typeof SweepRunSchema>;

/** Parses a sweep config read from `source`; throws `<source>: field "<path>": <problem>`. */
export function parseSweepConfig(raw: unknown, source = 'sweep config'): SweepConfig {
  const r = SweepConfigSchema.safeParse(raw);
  if (!r.success) throw configError(source, r.error);
  return r.data;
}

/** The sites a config trains, in order. */
export function sweepHooks(c: SweepConfig): string[] {
  return c.hooks ?? [c.hook as string];
}

/** One finished run of a frontier sweep, on held-out text. Metric names follow SAELens. */
export const FrontierRowSchema = z
  .object({
    name: z.string(),
    hook: z.string(),
    architecture: z.string(),
    param: z.string(),
    value: z.number(),
    lr: z.number(),
    'metrics/l0': z.number(),
    'metrics/fvu': z.number(),
    'metrics/explained_variance': z.number(),
    'sparsity/dead_features': z.number(),
    'sparsity/above_10pct': z.number(),
    'sparsity/above_1pct': z.number(),
    delta_lm_loss: z.number(),
    loss_recovered: z.number(),
    steps: z.number(),
    train_seconds: z.number(),
  })
  .passthrough();
export type FrontierRow = z.infer<typeof FrontierRowSchema>;

/** frontier.json: the config it ran, seconds per site, one row per finished run. */
export const FrontierResultsSchema = z.object({
  config: z.unknown(),
  siteSeconds: z.record(z.string(), z.number()).optional(),
  rows: z.array(FrontierRowSchema),
});
export type FrontierResults = z.infer<typeof FrontierResultsSchema>;
