// SVG charts of the frontier (L0 against delta LM loss and against FVU, one line per architecture,
// like [JR] Fig. 2) and of training curves, rendered with vega-lite in Node (no canvas needed).
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write';
export interface ParetoRow {
  name: string;
  architecture: string;
  'metrics/l0': number;
  'metrics/fvu': number;
  delta_lm_loss?: number;
  [k: string]: unknown;
}

async function render(spec: Record<string, unknown>): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** `logY`: FVU on a log axis (Δ LM loss stays linear: it can be ≤ 0 where an SAE barely matters). */
export function paretoSvg(rows: ParetoRow[], title: string, opts: { logY?: boolean } = {}): Promise<string> {
  const panel = (y: string, yTitle: string) => ({
    width: 320,
    height: 260,
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'metrics/l0', type: 'quantitative', title: 'L0 (active latents per token)', scale: { type: 'log' } },
      y: { field: y, type: 'quantitative', title: yTitle, scale: opts.logY && y === 'metrics/fvu' ? { type: 'log' } : { zero: false } },
      color: { field: 'architecture', type: 'nominal', title: 'architecture' },
      order: { field: 'metrics/l0', type: 'quantitative' },
    },
  });
  const data = rows.map((r) => ({ ...r, 'metrics/l0': r['metrics/l0'], 'metrics/fvu': r['metrics/fvu'], delta_lm_loss: r.delta_lm_loss ?? null }));
  const hasDelta = rows.some((r) => r.delta_lm_loss !== undefined);
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: data },
    hconcat: hasDelta
      ? [panel('delta_lm_loss', 'delta LM loss (nats)'), panel('metrics/fvu', 'fraction of variance unexplained')]
      : [panel('metrics/fvu', 'fraction of variance unexplained')],
    config: { font: 'sans-serif' },
  });
}

/** Training curves: one small panel per metric against step. */
export function curvesSvg(events: Record<string, unknown>[], metrics: string[], title: string): Promise<string> {
  const values = events.flatMap((e) => metrics.filter((m) => typeof e[m] === 'number').map((m) => ({ step: e.step, metric: m, value: e[m] })));
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 300,
      height: 180,
      mark: 'line',
      encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'value', type: 'quantitative', scale: { zero: false } } },
    },
    resolve: { scale: { y: 'independent' } },
  });
}

/** Held-out FVU and L0 against step, one line per run, coloured by architecture: has each run converged? */
export function heldOutCurvesSvg(
  points: { run: string; architecture: string; step: number; 'metrics/fvu': number; 'metrics/l0': number }[],
  title: string,
): Promise<string> {
  const panel = (field: string, yTitle: string, log: boolean) => ({
    width: 320,
    height: 240,
    mark: { type: 'line', point: { size: 12 } },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'training step' },
      y: { field, type: 'quantitative', title: yTitle, scale: log ? { type: 'log' } : { zero: false } },
      color: { field: 'architecture', type: 'nominal', title: 'architecture' },
      detail: { field: 'run', type: 'nominal' },
    },
  });
  return render({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: points },
    hconcat: [panel('metrics/fvu', 'held-out FVU', true), panel('metrics/l0', 'held-out L0', true)],
    config: { font: 'sans-serif' },
  });
}

export function toCsv(rows: Record<string, unknown>[]): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => rows.every((r) => typeof r[c] !== 'object' || r[c] === null));
  const cell = (v: unknown) => (v === undefined || v === null ? '' : typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : String(v));
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/** Writes <dir>/curves.svg from <dir>/train-log.jsonl (L0, explained variance, MSE, dead features, λ, lr). */
export async function writeTrainingCurves(dir: string): Promise<string> {
  const events = readFileSync(`${dir}/train-log.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const svg = await curvesSvg(
    events.filter((e) => (e.step as number) > 1),
    [
      'metrics/l0',
      'metrics/explained_variance',
      'losses/mse_loss',
      'sparsity/dead_features',
      'details/current_l0_coefficient',
      'details/current_learning_rate',
    ],
    `training curves: ${dir}`,
  );
  const file = `${dir}/curves.svg`;
  writeFileAtomic(file, svg);
  return file;
}
