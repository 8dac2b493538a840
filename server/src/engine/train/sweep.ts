// `jumplens sweep`: several architectures × sparsity levels trained on one cached activation stream
// (the LM runs once), each evaluated on held-out text (FVU, L0, delta LM loss), then pareto.json,
// pareto.csv and pareto.svg. The SAEs train one after another from the same in-memory activations
// with the same seed, so every run sees the same batches in the same order and the same budget.
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write';
import { readCorpus } from '../data/corpus';
import { tokenChunks } from '../data/token-chunks';
import type { LanguageModel } from '../lm/types';
import { evaluateSae } from '../eval/sae-metrics';
import { deltaLmLoss } from '../eval/lm-loss';
import { paretoSvg, toCsv, type ParetoRow } from '../eval/plots';
import { collectActivations } from './activation-store';
import { loadLanguageModel } from './model-loader';
import { trainSae } from './trainer';
import { ARCHITECTURE_INFO, ARCHITECTURES } from '../../../../protocol/train';
import { architectureOf } from '../sae/registry';
import type { TrainConfig } from './types';

export interface SweepConfig {
  model: string;
  hook: string;
  corpus: string;
  contextSize?: number;
  /** Train on the first N documents; evaluate on the documents after them. */
  trainDocs?: number;
  activationCache?: string;
  eval?: { corpus?: string; skipDocs?: number; tokens?: number; lmSequences?: number };
  /** Fields shared by every run (d_sae, batchSize, steps, lr, seed, bandwidth...). */
  common: Partial<TrainConfig>;
  /** One entry per line of the plot; an array in l0Coefficient / l1Coefficient / k expands to several runs. */
  runs: (Partial<TrainConfig> & { architecture: TrainConfig['architecture']; label?: string })[];
  out: string;
}

/** Fields that set a run's sparsity, from the architectures' metadata: λ fields, then k. */
const SPARSITY_KEYS = [...new Set(ARCHITECTURES.map((a) => ARCHITECTURE_INFO[a].sparsityField ?? 'k'))];

export function expandRuns(cfg: SweepConfig): { name: string; label: string; param: string; value: number; train: Partial<TrainConfig> }[] {
  const out: ReturnType<typeof expandRuns> = [];
  for (const r of cfg.runs) {
    try {
      architectureOf(r.architecture);
    } catch (e) {
      throw new Error(`sweep config: run field "architecture": ${(e as Error).message}`);
    }
    const key = SPARSITY_KEYS.find((k) => r[k] !== undefined);
    if (!key) throw new Error(`sweep config: run for "${r.architecture}" needs one of ${SPARSITY_KEYS.join(', ')}`);
    const values = Array.isArray(r[key]) ? (r[key] as number[]) : [r[key] as number];
    for (const v of values) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new Error(`sweep config: run "${r.architecture}" field "${key}" has a non-number ${JSON.stringify(v)}`);
      const label = r.label ?? r.architecture;
      out.push({ name: `${label}-${key}-${v}`, label, param: key, value: v, train: { ...cfg.common, ...r, [key]: v } });
    }
  }
  return out;
}

export async function runSweep(
  cfg: SweepConfig,
  opts: { log?: (s: string) => void; shouldStop?: () => boolean; model?: LanguageModel } = {},
): Promise<ParetoRow[]> {
  const log = opts.log ?? (() => {});
  const runs = expandRuns(cfg);
  const model = opts.model ?? (await loadLanguageModel(cfg.model));
  try {
    const ctx = cfg.contextSize ?? 256;
    const t0 = Date.now();
    const train = await collectActivations(model, {
      hook: cfg.hook,
      corpus: cfg.corpus,
      contextSize: ctx,
      cache: cfg.activationCache,
      corpusOptions: { maxDocs: cfg.trainDocs },
    });
    log(`training activations: ${train.source.n} tokens (${train.fromCache ? 'cache' : `collected in ${((Date.now() - t0) / 1000).toFixed(0)} s`})`);
    const ev = cfg.eval ?? {};
    const evalCorpus = ev.corpus ?? cfg.corpus;
    const skipDocs = ev.skipDocs ?? (ev.corpus ? 0 : (cfg.trainDocs ?? 0));
    const held = await collectActivations(model, {
      hook: cfg.hook,
      corpus: evalCorpus,
      contextSize: ctx,
      maxTokens: ev.tokens ?? 50_000,
      corpusOptions: { skipDocs },
    });
    const seqs: number[][] = [];
    for (const s of tokenChunks(readCorpus(evalCorpus, { skipDocs }), model.tokenizer, { contextSize: ctx })) {
      if (seqs.length >= (ev.lmSequences ?? 64)) break;
      seqs.push(s);
    }
    const rows: ParetoRow[] = [];
    for (const r of runs) {
      if (opts.shouldStop?.()) break;
      const dir = path.join(cfg.out, 'runs', r.name);
      const started = Date.now();
      const run = await trainSae({ ...(r.train as TrainConfig), out: dir }, train.source, {
        metadata: { model_name: model.config.name, hook_name: cfg.hook, context_size: ctx, prepend_bos: true, dataset_path: path.resolve(cfg.corpus) },
      });
      const seconds = (Date.now() - started) / 1000;
      const raw = run.sae.asRaw(run.scale);
      const m = evaluateSae(raw, held.source.data, held.source.dIn);
      const lm = await deltaLmLoss(model, raw, cfg.hook, seqs);
      const row: ParetoRow = {
        name: r.name,
        architecture: r.label,
        param: r.param,
        value: r.value,
        ...m.metrics,
        delta_lm_loss: lm.delta_lm_loss,
        loss_recovered: lm.loss_recovered,
        ce_clean: lm.ce_clean,
        ce_sae: lm.ce_sae,
        train_l0: run.metrics['metrics/l0'],
        train_tokens: run.tokens,
        steps: run.steps,
        train_seconds: Math.round(seconds),
      };
      writeJsonAtomic(path.join(dir, 'eval.json'), { ...row, histogram: m.histogram, lm });
      rows.push(row);
      run.dispose();
      log(
        `${r.name}: L0 ${m.metrics['metrics/l0'].toFixed(2)}  FVU ${m.metrics['metrics/fvu'].toFixed(4)}  delta LM loss ${lm.delta_lm_loss.toFixed(4)}  (${seconds.toFixed(0)} s)`,
      );
      writeOutputs(cfg, rows);
    }
    await writePlot(cfg, rows);
    return rows;
  } finally {
    if (!opts.model) model.dispose();
  }
}

function writeOutputs(cfg: SweepConfig, rows: ParetoRow[]): void {
  writeJsonAtomic(path.join(cfg.out, 'pareto.json'), { config: cfg, rows });
  writeFileAtomic(path.join(cfg.out, 'pareto.csv'), toCsv(rows));
}

async function writePlot(cfg: SweepConfig, rows: ParetoRow[]): Promise<void> {
  if (rows.length === 0) return;
  const svg = await paretoSvg(rows, `${cfg.hook} of ${path.basename(cfg.model)}: sparsity vs fidelity`);
  writeFileAtomic(path.join(cfg.out, 'pareto.svg'), svg);
}
