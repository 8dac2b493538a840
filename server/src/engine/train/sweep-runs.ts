// A sweep config's runs, one per architecture × sparsity level, and the learning-rate search's pick.
import { SPARSITY_KEYS, type SweepConfig, type SweepRun } from '../../../../protocol/sweep';
import { architectureOf } from '../sae/registry';
import type { TrainConfig } from './types';

export interface ExpandedRun {
  /** Folder name: `<label>-<param>-<value>`. */
  name: string;
  label: string;
  architecture: TrainConfig['architecture'];
  param: string;
  value: number;
  /** Every TrainConfig field but hook, model, corpus and out, which the site sets. */
  train: Partial<TrainConfig>;
  /** The run's own lr, if its line sets one (the lr search then leaves it alone). */
  ownLr?: number;
}

/** The sparsity field a run line sets, and its levels. */
export function sparsityLevels(r: SweepRun): { key: string; values: number[] } {
  try {
    architectureOf(r.architecture);
  } catch (e) {
    throw new Error(`sweep config: run field "architecture": ${(e as Error).message}`);
  }
  const key = SPARSITY_KEYS.find((k) => r[k] !== undefined);
  if (!key) throw new Error(`sweep config: run for "${r.architecture}" needs one of ${SPARSITY_KEYS.join(', ')}`);
  const v = r[key] as number | number[];
  return { key, values: Array.isArray(v) ? v : [v] };
}

export function expandRuns(cfg: Pick<SweepConfig, 'common' | 'runs'>): ExpandedRun[] {
  const out: ExpandedRun[] = [];
  for (const r of cfg.runs) {
    const { key, values } = sparsityLevels(r);
    for (const v of values) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new Error(`sweep config: run "${r.architecture}" field "${key}" has a non-number ${JSON.stringify(v)}`);
      const label = r.label ?? r.architecture;
      const { label: _l, ...fields } = r;
      out.push({
        name: `${label}-${key}-${v}`,
        label,
        architecture: r.architecture,
        param: key,
        value: v,
        train: { ...cfg.common, ...fields, [key]: v } as Partial<TrainConfig>,
        ownLr: r.lr,
      });
    }
  }
  return out;
}

/** The run at each line's middle sparsity level, the one the lr search trains. */
export function middleRuns(cfg: Pick<SweepConfig, 'common' | 'runs'>): ExpandedRun[] {
  const all = expandRuns(cfg);
  return cfg.runs.map((r) => {
    const { values } = sparsityLevels(r);
    const mid = values[Math.floor((values.length - 1) / 2)];
    const label = r.label ?? r.architecture;
    return all.find((e) => e.label === label && e.value === mid)!;
  });
}

export interface LrTrial {
  lr: number;
  /** Mean training objective over the last quarter of logged steps. */
  loss: number;
  'metrics/l0': number;
  'metrics/fvu': number;
}

/** The lr whose run ended with the lowest objective; a diverged (non-finite) trial never wins. */
export function pickLr(trials: readonly LrTrial[]): number {
  const ok = trials.filter((t) => Number.isFinite(t.loss));
  if (ok.length === 0) throw new Error(`lr search: every trial diverged (lrs ${trials.map((t) => t.lr).join(', ')})`);
  return ok.reduce((a, b) => (b.loss < a.loss ? b : a)).lr;
}

/** Mean of `losses/overall_loss` over the last quarter of the logged events. */
export function tailLoss(events: readonly { 'losses/overall_loss': number }[]): number {
  if (events.length === 0) return Number.NaN;
  const tail = events.slice(Math.floor((events.length * 3) / 4));
  return tail.reduce((s, e) => s + e['losses/overall_loss'], 0) / tail.length;
}
