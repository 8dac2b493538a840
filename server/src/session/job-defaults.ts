// A job spec as a user asking for "the defaults" means it: whatever the spec leaves out is taken
// from what the daemon analyses with (the SAE of jumplens.sae, else the bundled one; its cfg's
// model_name and hook_name), the corpus from jumplens.jobs.corpus, else the bundled TinyStories
// sample, and a training run's size and recipe from protocol/train.ts's quick defaults. Model names
// are resolved here, with the editor's lookup (jumplens.modelsDir, workspace folders), so the worker
// loads exactly the file the daemon found; an error names what is missing and where to set it.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { JobSpec, TrainConfig } from '../../../protocol';
import type { JobsPort } from './ports';
import { QUICK_TRAIN_RECIPE, RUN_SIZE_DEFAULTS } from '../../../protocol/train';
import { BUNDLED_CORPUS } from '../defaults';
import { readJsonFile } from '../engine/io/read-json';
import { REPO_ROOT, resolveModelPath, type ModelSearch } from '../engine/lm/models-dir';
import { hookFromGemmaScopePath } from '../engine/sae/io/gemma-scope-npz';

/** What the daemon analyses with, for the fields a spec leaves out. */
export interface JobDefaultsContext {
  /** The SAE the daemon analyses with (jumplens.sae, else the bundled one); undefined when there is none. */
  sae?: string;
  /** jumplens.model (a name or a path). */
  model: string;
  /** jumplens.hook, when set. */
  hook?: string;
  /** jumplens.jobs.corpus, when set. */
  corpus?: string;
  search: ModelSearch;
}

/** The corpus shipped in the package, or undefined in a checkout/bundle without it. */
export function bundledCorpusPath(): string | undefined {
  const p = path.join(REPO_ROOT, ...BUNDLED_CORPUS);
  return existsSync(p) ? p : undefined;
}

/** The model and hook an SAE was trained on, from its cfg.json (SAELens `metadata`) or a Gemma Scope path. */
export function saeOrigin(sae: string): { model?: string; hook?: string } {
  // One that does not exist (or is not readable) fails the job, which names it.
  if (!existsSync(sae)) return {};
  if (!statSync(sae).isDirectory()) return { hook: hookFromGemmaScopePath(sae) };
  const file = path.join(sae, 'cfg.json');
  if (!existsSync(file)) return {};
  const cfg = readJsonFile(file) as { metadata?: Record<string, unknown>; model_name?: unknown; hook_name?: unknown } | null;
  const meta = cfg?.metadata ?? {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { model: str(meta.model_name) ?? str(cfg?.model_name), hook: str(meta.hook_name) ?? str(cfg?.hook_name) };
}

/**
 * The model a job runs, resolved to a file: the one the spec names, else the SAE's model_name when
 * that is found, else jumplens.model. The error lists every place looked.
 */
function resolveJobModel(kind: string, given: string | undefined, fromSae: string | undefined, ctx: JobDefaultsContext): string {
  if (given) return wrap(kind, () => resolveModelPath(given, ctx.search));
  if (fromSae) {
    try {
      return resolveModelPath(fromSae, ctx.search);
    } catch {}
  }
  return wrap(kind, () => resolveModelPath(ctx.model, ctx.search), fromSae ? `the SAE's model_name "${fromSae}" was not found either; ` : '');
}

function wrap<T>(kind: string, f: () => T, extra = ''): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${kind} job: ${extra}${e instanceof Error ? e.message : String(e)}`);
  }
}

function corpusOf(kind: string, given: string | undefined, ctx: JobDefaultsContext): string {
  const c = given ?? ctx.corpus ?? bundledCorpusPath();
  if (!c)
    throw new Error(
      `${kind} job: no corpus: give "corpus" in the job or set jumplens.jobs.corpus (the bundled ${BUNDLED_CORPUS.join('/')} is missing from ${REPO_ROOT})`,
    );
  // A file that does not exist fails the job itself (its outcome names the file), as any other bad input does.
  return path.resolve(c);
}

/** `spec` with every left-out source filled in (sae, model as a file, hook, corpus, run size). */
export function withJobDefaults(spec: JobSpec, ctx: JobDefaultsContext): JobSpec {
  const kind = spec.kind;
  if (kind === 'train' || kind === 'finetune') {
    const t: Partial<TrainConfig> = { ...(spec.train ?? {}) };
    if (t.activations) return { ...spec, train: t };
    // The SAE the run follows: the one fine-tuned, else the one analysed (its hook and model).
    const ref = t.initFrom ?? spec.sae ?? ctx.sae;
    const origin = ref ? saeOrigin(ref) : {};
    t.model = resolveJobModel(kind, t.model ?? spec.model, origin.model, ctx);
    // A fine-tune stays on its SAE's hook; a new SAE goes where the daemon analyses (jumplens.hook, else the SAE's).
    t.hook ??= t.initFrom ? (origin.hook ?? ctx.hook) : (ctx.hook ?? origin.hook);
    if (!t.hook) throw new Error(`${kind} job: no hook: give "train.hook" or set jumplens.hook (no SAE names one${ref ? `: ${ref} has no hook_name` : ''})`);
    t.corpus = corpusOf(kind, t.corpus ?? spec.corpus, ctx);
    t.architecture ??= 'jumprelu';
    const q = RUN_SIZE_DEFAULTS.quick;
    if (t.steps === undefined && t.trainTokens === undefined) t.steps = q.steps;
    t.d_sae ??= q.d_sae;
    // The recipe goes with the quick run: only into a config that sets none of its learning knobs.
    if (t.architecture === 'jumprelu' && t.lr === undefined) {
      const { lrDecayFraction, ...recipe } = QUICK_TRAIN_RECIPE;
      for (const [k, v] of Object.entries(recipe)) (t as Record<string, unknown>)[k] ??= v;
      if (t.steps !== undefined) t.lrDecaySteps ??= Math.floor(t.steps * lrDecayFraction);
    } else t.lr ??= QUICK_TRAIN_RECIPE.lr;
    return { ...spec, train: t };
  }
  const sae = spec.sae ?? ctx.sae;
  if (!sae) throw new Error(`${kind} job: no SAE: give "sae" in the job or set jumplens.sae`);
  const origin = saeOrigin(sae);
  return { ...spec, sae: path.resolve(sae), model: resolveJobModel(kind, spec.model, origin.model, ctx), corpus: corpusOf(kind, spec.corpus, ctx) };
}

/** `jobs` with every started spec filled by withJobDefaults (the LSP commands and the ws API both start through it). */
export function withJobDefaultsPort(jobs: JobsPort, ctx: () => JobDefaultsContext): JobsPort {
  return {
    list: () => jobs.list(),
    get: (id) => jobs.get(id),
    start: (spec) => jobs.start(withJobDefaults(spec, ctx())),
    cancel: (id) => jobs.cancel(id),
    resume: (id) => jobs.resume(id),
    subscribe: (l) => jobs.subscribe(l),
  };
}

/** What the daemon's settings say a job defaults to. */
export function jobDefaultsContext(
  s: { sae?: string; model: string; hook?: string; jobsCorpus?: string; search: ModelSearch },
  defaultSae: string | undefined,
): JobDefaultsContext {
  return { sae: s.sae ?? defaultSae, model: s.model, hook: s.hook, corpus: s.jobsCorpus, search: s.search };
}
