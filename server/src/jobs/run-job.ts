// What each job kind does, inside the worker thread: every kind calls the same engine function the
// CLI does, so a job and its `jumplens` command give the same result.
import * as path from 'node:path';
import { initBackend } from '../engine/backend';
import { loadModel } from '../engine/lm/load-model';
import { loadSae } from '../engine/sae/io';
import { buildFeatureStore } from '../engine/features/build-feature-store';
import { registerStore, STORE_INDEX_FILE, storeOutDir } from '../engine/features/store-index';
import { runTraining } from '../engine/train/pipeline';
import { evalCommand, sweepThreshold } from '../engine/eval/eval-command';
import { writeJsonAtomic } from '../engine/io/atomic-write';
import type { TrainConfig } from '../../../protocol';
import { DEFAULT_JOB_TOKENS, DEFAULT_MODEL, DEFAULT_SWEEP_SCALES } from '../defaults';
import type { WorkerInput, WorkerToQueue } from './worker-protocol';

export type Emit = (m: WorkerToQueue) => void;

export async function runJob(inp: WorkerInput, emit: Emit, signal: AbortSignal): Promise<unknown> {
  const { spec, dir } = inp;
  if (spec.tokens !== undefined && !(Number.isInteger(spec.tokens) && spec.tokens >= 1))
    throw new Error(`${spec.kind} job: "tokens" must be an integer ≥ 1, got ${JSON.stringify(spec.tokens)}`);
  if (spec.scales !== undefined && !(Array.isArray(spec.scales) && spec.scales.length > 0 && spec.scales.every((x) => Number.isFinite(x) && x > 0)))
    throw new Error(`${spec.kind} job: "scales" must be a non-empty list of positive numbers`);
  const report = await initBackend();
  emit({ type: 'log', line: `backend ${report.kind} (${report.label})` });
  switch (spec.kind) {
    case 'featureStore': {
      if (!spec.sae) throw new Error('featureStore job: "sae" (the SAE folder) is required: give it in the job or set jumplens.sae');
      if (!spec.corpus) throw new Error('featureStore job: "corpus" (a text/JSON corpus file) is required: give it in the job or set jumplens.jobs.corpus');
      const model = await loadModel(spec.model ?? DEFAULT_MODEL);
      const sae = await loadSae(spec.sae);
      try {
        // Next to the SAE when that folder may be written, else in the run folder, registered with the
        // SAE in the runs folder's index: either way the daemon's hovers and browser find it.
        const { dir: out, beside } = storeOutDir(spec.sae, dir);
        const r = await buildFeatureStore({
          model,
          sae,
          corpus: spec.corpus,
          out,
          maxTokens: spec.tokens ?? DEFAULT_JOB_TOKENS,
          saePath: spec.sae,
          modelPath: spec.model,
          signal,
          onProgress: (tokens, total) => emit({ type: 'progress', step: tokens, total, message: `${tokens}/${total} tokens` }),
        });
        if (!beside) registerStore(path.dirname(dir), spec.sae, out);
        emit({
          type: 'log',
          line: `feature store written to ${out}${beside ? '' : ` (registered for ${spec.sae} in ${path.join(path.dirname(dir), STORE_INDEX_FILE)})`}`,
        });
        return { store: r.file, tokens: r.tokens };
      } finally {
        sae.dispose();
        model.dispose();
      }
    }
    case 'train':
    case 'finetune': {
      if (!spec.train) throw new Error(`${spec.kind} job: "train" (a TrainConfig) is required`);
      if (spec.kind === 'finetune' && !spec.train.initFrom) throw new Error('finetune job: "train.initFrom" (the SAE to start from) is required');
      const cfg = { ...spec.train, out: spec.train.out ?? path.join(dir, 'sae') } as TrainConfig;
      // A run consumes steps × batchSize activations; collecting the whole corpus beyond that only
      // delays the first step (minutes for a 0.5M-token corpus), so the job caps it unless told.
      if (cfg.tokens === undefined && !cfg.activations && cfg.steps > 0 && cfg.batchSize > 0) cfg.tokens = cfg.steps * cfg.batchSize;
      // Cancelling stops at the next step after writing a checkpoint, so resume continues from it.
      const r = await runTraining(cfg, {
        resume: inp.resume,
        shouldStop: () => signal.aborted,
        onCollect: (n) => emit({ type: 'progress', step: 0, total: cfg.steps ?? 0, message: `collecting activations: ${n} tokens` }),
        onProgress: (ev) => emit({ type: 'progress', step: ev.step, total: ev.totalSteps, message: `step ${ev.step}/${ev.totalSteps}`, event: ev }),
      });
      // The run may hold tensors (a dispose method); only its plain fields go back to the daemon.
      const { dispose, ...plain } = r as typeof r & { dispose?: () => void };
      dispose?.call(r);
      return plain;
    }
    case 'eval':
    case 'sweepThreshold': {
      if (!spec.sae) throw new Error(`${spec.kind} job: "sae" (the SAE folder) is required: give it in the job or set jumplens.sae`);
      if (!spec.corpus) throw new Error(`${spec.kind} job: "corpus" (held-out text) is required: give it in the job or set jumplens.jobs.corpus`);
      const opts = { model: spec.model ?? DEFAULT_MODEL, sae: spec.sae, corpus: spec.corpus, tokens: spec.tokens ?? DEFAULT_JOB_TOKENS };
      if (spec.kind === 'eval') {
        emit({ type: 'progress', step: 0, total: 1, message: 'evaluating' });
        const r = await evalCommand(opts);
        writeJsonAtomic(path.join(dir, 'eval.json'), r.metrics);
        emit({ type: 'progress', step: 1, total: 1, message: 'done' });
        return { metrics: r.metrics };
      }
      const scales = spec.scales ?? [...DEFAULT_SWEEP_SCALES];
      emit({ type: 'progress', step: 0, total: scales.length, message: `rescaling thresholds by ${scales.join(', ')}` });
      const rows = await sweepThreshold({ ...opts, scales, out: dir });
      emit({ type: 'progress', step: scales.length, total: scales.length, message: 'done' });
      return { rows, out: dir };
    }
  }
}
