// The reference frontier as the dashboard draws it: a sweep's rows (frontier.json, validated by the
// daemon and again here) split into sites and, per site, one line per architecture sorted by L0,
// plus the comparison at common L0 values computed with the sweep's own function. Pure (no DOM).
import { compareAtL0, DEFAULT_COMPARE_AT, type Comparison } from '../../protocol/frontier-compare';
import type { FrontierRow } from '../../protocol/sweep';
import type { FrontierResultsReply } from '../../protocol/ws';

export interface ReferencePoint {
  l0: number;
  fvu?: number;
  deltaLoss?: number;
  row: FrontierRow;
}

/** One architecture's runs at one site: { architecture, points sorted by L0 }. */
export interface ReferenceLine {
  architecture: string;
  points: ReferencePoint[];
}

const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The sites (hooks) of the rows, in the order the sweep ran them. */
export function siteHooks(rows: readonly FrontierRow[]): string[] {
  return [...new Set(rows.map((r) => r.hook))];
}

/** The lines of one site. L0 is drawn on a log axis, so a run with L0 <= 0 (or none) is left out. */
export function referenceLines(rows: readonly FrontierRow[], hook: string): ReferenceLine[] {
  const mine = rows.filter((r) => r.hook === hook && (finite(r['metrics/l0']) ?? 0) > 0);
  return [...new Set(mine.map((r) => r.architecture))].map((architecture) => ({
    architecture,
    points: mine
      .filter((r) => r.architecture === architecture)
      .map((row) => ({ l0: row['metrics/l0'], fvu: finite(row['metrics/fvu']), deltaLoss: finite(row.delta_lm_loss), row }))
      .sort((a, b) => a.l0 - b.l0),
  }));
}

/** The L0 values to compare at: the sweep config's `compareAt` when it has one. */
export function compareTargets(config: unknown): readonly number[] {
  const c = (config as { compareAt?: unknown } | null)?.compareAt;
  return Array.isArray(c) && c.length > 0 && c.every((v) => typeof v === 'number' && v > 0) ? c : DEFAULT_COMPARE_AT;
}

/** The comparison table of one site (rows of other sites left out). */
export function siteComparison(results: FrontierResultsReply['results'], hook: string): Comparison {
  return compareAtL0(
    results.rows.filter((r) => r.hook === hook),
    compareTargets(results.config),
  );
}

/** What the view says the lines are: the bundled reference by its model, a loaded file by its path. */
export function referenceLabel(reply: FrontierResultsReply): string {
  if (!reply.bundled) return `sweep results: ${reply.path}`;
  const model = (reply.results.config as { model?: unknown } | null)?.model;
  const name = typeof model === 'string' ? (model.split(/[\\/]/).pop() ?? model).replace(/\.bin$/, '') : 'reference';
  return `reference: ${name} sweep (docs/results/frontier)`;
}
