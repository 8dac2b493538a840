// What `jumplens train` and the daemon's training job do: find the activations (a file, or a model
// + hook + corpus through the activation store and its cache), train, write the SAE directory.
import * as path from 'node:path';
import type { LanguageModel } from '../lm/types';
import type { ArrayActivations } from './activation-source';
import { collectActivations, loadActivationsFile } from './activation-store';
import { loadLanguageModel } from './model-loader';
import { readSaeForFinetune } from './init-from';
import { trainSae, type TrainOptions, type TrainRun } from './trainer';
import type { TrainConfig } from './types';
import { checkTrainConfigFields } from './config-bounds';

export interface ActivationsFor {
  source: ArrayActivations;
  metadata: Record<string, unknown>;
  model?: LanguageModel;
}

/** Activations for a config: `activations` file, or `model` + `hook` + `corpus` (cached at `activationCache`). */
export async function activationsFor(cfg: TrainConfig, onTokens?: (n: number) => void, keepModel = false): Promise<ActivationsFor> {
  if (cfg.activations) return { source: loadActivationsFile(cfg.activations), metadata: activationsFileMetadata(cfg) };
  const missing = (['model', 'hook', 'corpus'] as const).filter((k) => !cfg[k]);
  if (missing.length) throw new Error(`train config: give "activations", or all of "model", "hook" and "corpus" (missing ${missing.join(', ')})`);
  const model = await loadLanguageModel(cfg.model!);
  try {
    const got = await collectActivations(model, {
      hook: cfg.hook!,
      corpus: cfg.corpus!,
      contextSize: cfg.contextSize,
      prependBos: cfg.prependBos,
      dropBos: cfg.dropBos,
      maxTokens: cfg.tokens,
      cache: cfg.activationCache,
      corpusOptions: { maxDocs: cfg.maxDocs, skipDocs: cfg.skipDocs },
      onProgress: onTokens,
    });
    const s = got.settings;
    const metadata = {
      model_name: s.model_name,
      hook_name: s.hook_name,
      hook_head_index: null,
      context_size: s.context_size,
      prepend_bos: s.prepend_bos,
      dataset_path: s.dataset_path,
      jumplens_drop_bos: s.drop_bos,
    };
    return { source: got.source, metadata, model: keepModel ? model : undefined };
  } finally {
    if (!keepModel) model.dispose();
  }
}

/** What a run on an activations file knows: the file, and the hook, model and context size it was given. */
export function activationsFileMetadata(cfg: TrainConfig): Record<string, unknown> {
  return {
    dataset_path: path.resolve(cfg.activations!),
    ...(cfg.hook ? { hook_name: cfg.hook } : {}),
    // The model is not loaded for a file run: its name is the file's, as model.config.name would give.
    ...(cfg.model ? { model_name: path.basename(cfg.model).replace(/\.[^.]*$/, '') } : {}),
    ...(cfg.contextSize ? { context_size: cfg.contextSize } : {}),
  };
}

/** Steps from `steps`, or from a token budget `tokens` / batch size. */
export function stepsOf(cfg: TrainConfig): number {
  if (cfg.steps) return cfg.steps;
  const tokens = cfg.trainTokens;
  if (tokens && cfg.batchSize) return Math.ceil(tokens / cfg.batchSize);
  throw new Error('train config: give "steps" or "trainTokens"');
}

export async function runTraining(cfg: TrainConfig, opts: TrainOptions & { onCollect?: (n: number) => void } = {}): Promise<TrainRun> {
  // Bad numbers fail here, before minutes of activation collection.
  checkTrainConfigFields(cfg);
  const acts = await activationsFor(cfg, opts.onCollect);
  let run: TrainConfig = { ...cfg, steps: stepsOf(cfg) };
  let initParams = opts.initParams;
  if (cfg.initFrom && !opts.resume) {
    // Fine-tuning keeps the file's raw activation scale (no normalisation), see init-from.ts.
    const from = await readSaeForFinetune(cfg.initFrom);
    if (from.dIn !== acts.source.dIn) throw new Error(`${cfg.initFrom}: d_in ${from.dIn} does not match the activations' width ${acts.source.dIn}`);
    run = { ...run, architecture: 'jumprelu', d_sae: from.dSae, normalize: false };
    initParams = from.params;
  }
  if (cfg.initFrom) run = { ...run, architecture: 'jumprelu', normalize: false };
  return trainSae(run, acts.source, { ...opts, initParams, metadata: { ...acts.metadata, ...(opts.metadata ?? {}) } });
}
