// `jumplens sweep`: the sparsity/fidelity frontier. For each site (hook) the LM runs once into an
// activation cache; every run of that site (architectures × sparsity levels) then trains in lockstep
// on that one stream (lockstep.ts), with held-out L0/FVU measured along the way, and is evaluated on
// held-out text (FVU, L0, Δ LM loss, dead/dense latents). A learning-rate search first picks each
// architecture's lr. Everything is resumable: a finished run's eval.json is kept and skipped on
// rerun, an unfinished one resumes from its checkpoint; results are written atomically as they come.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { sweepHooks, type FrontierRow, type SweepConfig } from '../../../../protocol/sweep';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write';
import { readCorpus } from '../data/corpus';
import { tokenChunks } from '../data/token-chunks';
import type { LanguageModel } from '../lm/types';
import { evaluateSae } from '../eval/sae-metrics';
import { deltaLmLoss, type LmLossResult } from '../eval/lm-loss';
import { heldOutCurvesSvg, paretoSvg, toCsv } from '../eval/plots';
import { compareAtL0, comparisonMarkdown, DEFAULT_COMPARE_AT, failedRun } from '../../../../protocol/frontier-compare';
import type { ArrayActivations } from './activation-source';
import { collectActivations } from './activation-store';
import { resolveTrainConfig } from './config';
import { trainLockstep, type CurvePoint } from './lockstep';
import { loadLanguageModel } from './model-loader';
import { expandRuns, middleRuns, pickLr, tailLoss, type ExpandedRun, type LrTrial } from './sweep-runs';
import { Trainer } from './trainer';
import type { TrainConfig } from './types';

export { expandRuns } from './sweep-runs';

export interface SweepOptions {
  log?: (s: string) => void;
  shouldStop?: () => boolean;
  model?: LanguageModel;
  /** Only these sites (default: all of the config's). */
  hooks?: string[];
}

interface SiteData {
  hook: string;
  train: ArrayActivations;
  held: ArrayActivations;
  seqs: number[][];
  /** Clean and zero-ablation CE of `seqs`, from the first run evaluated here. */
  baseline?: LmLossResult;
}

/** A run to train at one site: its folders and its full TrainConfig. */
interface SiteRun {
  run: ExpandedRun;
  /** Checkpoints and weights (workDir). */
  work: string;
  /** Committed results: eval.json, curve.json, train-log.jsonl (out). */
  result: string;
  train: TrainConfig;
}

const siteSlug = (hook: string) => hook.replace(/[^\w.-]/g, '_');

export async function runSweep(cfg: SweepConfig, opts: SweepOptions = {}): Promise<FrontierRow[]> {
  const log = opts.log ?? (() => {});
  const runs = expandRuns(cfg);
  const hooks = opts.hooks ?? sweepHooks(cfg);
  const workDir = cfg.workDir ?? path.join(cfg.out, 'work');
  const model = opts.model ?? (await loadLanguageModel(cfg.model));
  const rows: FrontierRow[] = readRows(cfg.out);
  try {
    const lrs = cfg.lrSearch ? await lrSearch(cfg, model, workDir, log, opts.shouldStop) : {};
    if (lrs === undefined) return rows;
    for (const hook of hooks) {
      if (opts.shouldStop?.()) break;
      const site = await siteData(cfg, model, hook, log);
      const siteRuns = runs.map((r) => siteRun(cfg, hook, r, r.ownLr ?? lrs[r.label] ?? r.train.lr, workDir));
      const t0 = Date.now();
      const { rows: done, trained } = await trainAndEvaluate(cfg, model, site, siteRuns, log, opts.shouldStop);
      for (const row of done) {
        const i = rows.findIndex((r) => r.hook === row.hook && r.name === row.name);
        if (i >= 0) rows[i] = row;
        else rows.push(row);
      }
      // A pass that only re-read finished runs (to redraw the outputs) adds no wall time.
      writeOutputs(cfg, rows, hook, trained ? (Date.now() - t0) / 1000 : 0);
      await writeSitePlots(cfg, hook, rows, siteRuns);
    }
    return rows;
  } finally {
    if (!opts.model) model.dispose();
  }
}

function siteRun(cfg: SweepConfig, hook: string, run: ExpandedRun, lr: number | undefined, workDir: string, sub = ''): SiteRun {
  if (lr === undefined) throw new Error(`sweep config: run "${run.name}" has no lr (set common.lr, the run's lr, or lrSearch)`);
  const work = path.join(workDir, sub, siteSlug(hook), run.name);
  const train = { ...run.train, lr, hook, model: cfg.model, corpus: cfg.corpus, out: work } as TrainConfig;
  return { run, work, result: path.join(cfg.out, sub, siteSlug(hook), run.name), train };
}

async function siteData(cfg: SweepConfig, model: LanguageModel, hook: string, log: (s: string) => void): Promise<SiteData> {
  const ctx = cfg.contextSize ?? 256;
  const t0 = Date.now();
  const cache = cfg.activationCache ?? (cfg.activationCacheDir ? path.join(cfg.activationCacheDir, `${siteSlug(hook)}.safetensors`) : undefined);
  const train = await collectActivations(model, { hook, corpus: cfg.corpus, contextSize: ctx, cache, corpusOptions: { maxDocs: cfg.trainDocs } });
  log(`${hook}: ${train.source.n} training activations (${train.fromCache ? 'cache' : `collected in ${((Date.now() - t0) / 1000).toFixed(0)} s`})`);
  const ev = cfg.eval ?? {};
  const evalCorpus = ev.corpus ?? cfg.corpus;
  const skipDocs = ev.skipDocs ?? (ev.corpus ? 0 : (cfg.trainDocs ?? 0));
  const held = await collectActivations(model, { hook, corpus: evalCorpus, contextSize: ctx, maxTokens: ev.tokens ?? 50_000, corpusOptions: { skipDocs } });
  const seqs: number[][] = [];
  for (const s of tokenChunks(readCorpus(evalCorpus, { skipDocs }), model.tokenizer, { contextSize: ctx })) {
    if (seqs.length >= (ev.lmSequences ?? 64)) break;
    seqs.push(s);
  }
  return { hook, train: train.source, held: held.source, seqs };
}

/** The curve's held-out subset: the first `curveTokens` rows of the held-out set. */
function curveRows(cfg: SweepConfig, site: SiteData): Float32Array {
  const n = Math.min(site.held.n, cfg.eval?.curveTokens ?? 16_384);
  return site.held.data.subarray(0, n * site.held.dIn);
}

function readCurve(file: string, upTo: number): CurvePoint[] {
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as CurvePoint[]).filter((p) => p.step <= upTo);
}

/** Trains the runs without an eval.json in lockstep, evaluates each; returns every run's row and whether any trained. */
async function trainAndEvaluate(
  cfg: SweepConfig,
  model: LanguageModel,
  site: SiteData,
  runs: SiteRun[],
  log: (s: string) => void,
  shouldStop?: () => boolean,
): Promise<{ rows: FrontierRow[]; trained: boolean }> {
  const rows: FrontierRow[] = [];
  const pending = runs.filter((r) => {
    const f = path.join(r.result, 'eval.json');
    if (existsSync(path.join(r.result, 'failed.json'))) return false;
    if (!existsSync(f)) return true;
    rows.push(JSON.parse(readFileSync(f, 'utf8')) as FrontierRow);
    return false;
  });
  if (pending.length === 0) return { rows, trained: false };
  const metadata = {
    model_name: model.config.name,
    hook_name: site.hook,
    context_size: cfg.contextSize ?? 256,
    prepend_bos: true,
    dataset_path: path.resolve(cfg.corpus),
  };
  const trainers: Trainer[] = [];
  try {
    for (const r of pending) {
      startFresh(r, log);
      trainers.push(new Trainer(resolveTrainConfig(r.train, site.train.dIn), site.train, r.work, { resume: true, metadata }));
    }
    const curves = trainers.map((t, i) => readCurve(path.join(pending[i].result, 'curve.json'), t.stepIndex));
    const seconds = trainers.map(() => 0);
    const failed = new Set<number>();
    const resumedAt = trainers.map((t) => t.stepIndex);
    log(
      `${site.hook}: ${pending.length} runs in lockstep (${runs.length - pending.length} already done)${resumedAt.some((s) => s > 0) ? `, resuming at steps ${resumedAt.join(', ')}` : ''}`,
    );
    const t0 = Date.now();
    const { stopped } = await trainLockstep(trainers, {
      heldOut: { data: curveRows(cfg, site), dIn: site.held.dIn },
      evalEvery: cfg.evalEvery,
      onEval: (i, p) => {
        curves[i].push(p);
        writeJsonAtomic(path.join(pending[i].result, 'curve.json'), curves[i]);
        if (i === 0) log(`${site.hook}: step ${p.step}/${trainers[0].cfg.steps} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
      },
      onStepSeconds: (i, s) => {
        seconds[i] += s;
      },
      onError: (i, e) => {
        failed.add(i);
        const r = pending[i];
        // Kept like a result, so a rerun does not train it again; the frontier leaves it out.
        writeJsonAtomic(path.join(r.result, 'failed.json'), { name: r.run.name, lr: r.train.lr, step: trainers[i].stepIndex, error: e.message });
        log(`${site.hook} ${r.run.name}: failed at step ${trainers[i].stepIndex + 1}: ${e.message.split('\n')[0]}`);
      },
      shouldStop,
    });
    if (stopped) {
      log(`${site.hook}: stopped; rerun the same command to resume from the checkpoints in ${path.dirname(pending[0].work)}`);
      return { rows, trained: true };
    }
    for (const [i, t] of trainers.entries()) {
      if (failed.has(i)) continue;
      const r = pending[i];
      t.finish(r.train);
      const raw = t.frozenRaw();
      let m: ReturnType<typeof evaluateSae>;
      let lm: Awaited<ReturnType<typeof deltaLmLoss>>;
      try {
        m = evaluateSae(raw, site.held.data, site.held.dIn);
        lm = await deltaLmLoss(model, raw, site.hook, site.seqs, 16, site.baseline);
        site.baseline ??= lm;
      } finally {
        raw.dispose();
      }
      const row: FrontierRow = {
        name: r.run.name,
        hook: site.hook,
        architecture: r.run.label,
        param: r.run.param,
        value: r.run.value,
        lr: r.train.lr,
        ...m.metrics,
        delta_lm_loss: lm.delta_lm_loss,
        loss_recovered: lm.loss_recovered,
        ce_clean: lm.ce_clean,
        ce_sae: lm.ce_sae,
        train_l0: t.finalMetrics()['metrics/l0'],
        train_tokens: t.tokens,
        steps: t.stepIndex,
        train_seconds: Math.round(seconds[i]),
      };
      writeJsonAtomic(path.join(r.result, 'eval.json'), { ...row, histogram: m.histogram, lm });
      writeFileAtomic(path.join(r.result, 'train-log.jsonl'), t.history.map((e) => JSON.stringify(e)).join('\n') + '\n');
      rows.push(row);
      log(
        `${site.hook} ${r.run.name}: L0 ${m.metrics['metrics/l0'].toFixed(2)}  FVU ${m.metrics['metrics/fvu'].toFixed(4)}  Δ LM loss ${lm.delta_lm_loss.toFixed(4)}`,
      );
    }
    return { rows, trained: true };
  } finally {
    for (const t of trainers) t.dispose();
  }
}

/**
 * Per architecture, its middle sparsity level at each lr on the search site; returns label → lr, or
 * undefined when stopped. Kept in out/lr-search.json, so a rerun reuses the pick.
 */
async function lrSearch(
  cfg: SweepConfig,
  model: LanguageModel,
  workDir: string,
  log: (s: string) => void,
  shouldStop?: () => boolean,
): Promise<Record<string, number> | undefined> {
  const s = cfg.lrSearch!;
  const file = path.join(cfg.out, 'lr-search.json');
  const key = JSON.stringify({ hook: s.hook, lrs: s.lrs, steps: s.steps, runs: middleRuns(cfg).map((r) => r.name) });
  if (existsSync(file)) {
    const prev = JSON.parse(readFileSync(file, 'utf8')) as { key: string; chosen: Record<string, number> };
    if (prev.key === key) return prev.chosen;
  }
  const site = await siteData(cfg, model, s.hook, log);
  const trials: SiteRun[] = [];
  for (const r of middleRuns(cfg)) {
    if (r.ownLr !== undefined) continue;
    for (const lr of s.lrs) {
      const named = { ...r, name: `${r.name}-lr-${lr}`, train: { ...r.train, ...(s.steps ? { steps: s.steps } : {}) } };
      trials.push(siteRun(cfg, s.hook, named, lr, workDir, 'lr-search'));
    }
  }
  const { rows } = await trainAndEvaluate(cfg, model, site, trials, log, shouldStop);
  const failed = (t: SiteRun) => existsSync(path.join(t.result, 'failed.json'));
  if (trials.some((t) => !failed(t) && !rows.some((r) => r.name === t.run.name))) return undefined;
  const byLabel: Record<string, LrTrial[]> = {};
  for (const t of trials) {
    const row = rows.find((r) => r.name === t.run.name);
    if (!row) {
      (byLabel[t.run.label] ??= []).push({ lr: t.train.lr, loss: Number.NaN, 'metrics/l0': Number.NaN, 'metrics/fvu': Number.NaN });
      continue;
    }
    const events = readFileSync(path.join(t.result, 'train-log.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { 'losses/overall_loss': number });
    (byLabel[t.run.label] ??= []).push({ lr: t.train.lr, loss: tailLoss(events), 'metrics/l0': row['metrics/l0'], 'metrics/fvu': row['metrics/fvu'] });
  }
  const chosen = Object.fromEntries(Object.entries(byLabel).map(([label, ts]) => [label, pickLr(ts)]));
  writeJsonAtomic(file, { key, rule: 'lowest mean training objective over the last quarter of logged steps', trials: byLabel, chosen });
  log(
    `lr search: ${Object.entries(chosen)
      .map(([l, lr]) => `${l} ${lr}`)
      .join(', ')}`,
  );
  return chosen;
}

/**
 * Makes r.work ready: a checkpoint there resumes only if it was trained with this exact config
 * (run.json); a changed config (another lr from a new lr search, say) starts the run again.
 */
function startFresh(r: SiteRun, log: (s: string) => void): void {
  const f = path.join(r.work, 'run.json');
  const want = JSON.stringify(r.train);
  if (existsSync(r.work) && (!existsSync(f) || readFileSync(f, 'utf8') !== want)) {
    log(`${r.run.name}: its config changed since the checkpoint in ${r.work}; training it from the start`);
    rmSync(r.work, { recursive: true, force: true });
    rmSync(path.join(r.result, 'curve.json'), { force: true });
  }
  mkdirSync(r.work, { recursive: true });
  writeFileAtomic(f, want);
}

function readRows(out: string): FrontierRow[] {
  const f = path.join(out, 'frontier.json');
  return existsSync(f) ? ((JSON.parse(readFileSync(f, 'utf8')) as { rows: FrontierRow[] }).rows ?? []) : [];
}

function writeOutputs(cfg: SweepConfig, rows: FrontierRow[], hook: string, seconds: number): void {
  const f = path.join(cfg.out, 'frontier.json');
  const prev = existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { siteSeconds?: Record<string, number> }).siteSeconds : undefined;
  // Summed over invocations: a site trained in parts (stopped, resumed, runs added) reports its total.
  const siteSeconds = { ...prev, ...(seconds > 1 ? { [hook]: Math.round((prev?.[hook] ?? 0) + seconds) } : {}) };
  writeJsonAtomic(f, { config: cfg, siteSeconds, rows });
  writeFileAtomic(path.join(cfg.out, 'frontier.csv'), toCsv(rows));
  const table = compareAtL0(rows, cfg.compareAt ?? DEFAULT_COMPARE_AT);
  writeJsonAtomic(path.join(cfg.out, 'comparison.json'), table);
  writeFileAtomic(path.join(cfg.out, 'comparison.md'), comparisonMarkdown(table));
}

async function writeSitePlots(cfg: SweepConfig, hook: string, rows: FrontierRow[], runs: SiteRun[]): Promise<void> {
  const dir = path.join(cfg.out, siteSlug(hook));
  // Failed runs (FVU ≥ 1) would set the axes; comparison.md lists them.
  const mine = rows.filter((r) => r.hook === hook && !failedRun(r));
  const title = `${hook} of ${path.basename(cfg.model)}: sparsity vs fidelity (held-out)`;
  if (mine.length) writeFileAtomic(path.join(dir, 'pareto.svg'), await paretoSvg(mine, title, { logY: true }));
  const failed = new Set(rows.filter((r) => r.hook === hook && failedRun(r)).map((r) => r.name));
  const points = runs
    .filter((r) => !failed.has(r.run.name))
    .flatMap((r) => readCurve(path.join(r.result, 'curve.json'), Infinity).map((p) => ({ run: r.run.name, architecture: r.run.label, ...p })));
  if (points.length) writeFileAtomic(path.join(dir, 'curves.svg'), await heldOutCurvesSvg(points, `${hook}: held-out FVU and L0 during training`));
}
