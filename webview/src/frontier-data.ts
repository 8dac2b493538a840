// Frontier points from finished jobs: a pure module (no DOM) shared by the dashboard and tests.
// Each job kind has one result shape, the one server/src/jobs/run-job.ts returns; the metric names
// are the evaluator's (`metrics/l0`, `metrics/fvu`, `delta_lm_loss`).
import type { JobInfo, JobResult } from '../../protocol';

export interface FrontierPoint {
  jobId: string;
  architecture: string;
  /** The SAE folder this point is (picking the point loads it). */
  path: string;
  l0: number;
  deltaLoss?: number;
  fvu?: number;
  /** Threshold scale, for sweep points. */
  scale?: number;
}

export function frontierPoints(job: JobInfo): FrontierPoint[] {
  if (job.state !== 'done' || job.result == null) return [];
  const base = { jobId: job.id };
  const spec = job.spec;
  const result: JobResult = job.result;
  let points: FrontierPoint[];
  switch (result.kind) {
    case 'train':
    case 'finetune': {
      const r = result;
      // Training logs explained variance; FVU = 1 - EV.
      points = [{ ...base, architecture: r.config.architecture, path: r.out, l0: r.metrics['metrics/l0'], fvu: 1 - r.metrics['metrics/explained_variance'] }];
      break;
    }
    case 'eval': {
      const m = result.metrics;
      points = [{ ...base, architecture: 'unknown', path: spec.sae ?? job.dir, l0: m['metrics/l0'], fvu: m['metrics/fvu'], deltaLoss: m.delta_lm_loss }];
      break;
    }
    case 'sweepThreshold':
      points = result.rows.map((r) => ({
        ...base,
        architecture: 'jumprelu',
        path: spec.sae ?? job.dir,
        l0: r.l0,
        fvu: r.fvu,
        deltaLoss: r.delta_lm_loss,
        scale: r.scale,
      }));
      break;
    case 'featureStore':
      return [];
  }
  // A metric the run could not compute (NaN, missing) is left off the point; no L0, no point.
  const finite = (v: number | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return points.filter((p) => finite(p.l0) !== undefined).map((p) => ({ ...p, fvu: finite(p.fvu), deltaLoss: finite(p.deltaLoss) }));
}

export function frontierCsv(points: FrontierPoint[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const rows = points.map((p) => [p.architecture, p.path, p.jobId, p.scale ?? '', p.l0, p.deltaLoss ?? '', p.fvu ?? ''].map((v) => q(String(v))).join(','));
  return ['architecture,path,job,scale,l0,delta_lm_loss,fvu', ...rows].join('\n') + '\n';
}

/** A standalone SVG of one frontier panel (vector export; the on-screen chart is a canvas). */
export function frontierSvg(points: FrontierPoint[], y: 'deltaLoss' | 'fvu', colours: Record<string, string>, current?: string): string {
  const W = 480;
  const H = 320;
  const m = { l: 56, r: 16, t: 16, b: 40 };
  const pts = points.filter((p) => p[y] !== undefined);
  const xs = pts.map((p) => p.l0);
  const ys = pts.map((p) => p[y] as number);
  const [x0, x1] = [Math.min(0, ...xs), Math.max(1, ...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(1e-9, ...ys)];
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (v: number) => H - m.b - ((v - y0) / (y1 - y0 || 1)) * (H - m.t - m.b);
  const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const dots = pts
    .map((p) => {
      const r = p.path === current ? 7 : 4;
      const stroke = p.path === current ? ' stroke="#000" stroke-width="2"' : '';
      return `<circle cx="${sx(p.l0).toFixed(1)}" cy="${sy(p[y] as number).toFixed(1)}" r="${r}" fill="${colours[p.architecture] ?? '#888'}"${stroke}><title>${esc(`${p.architecture} ${p.path} L0=${p.l0}`)}</title></circle>`;
    })
    .join('');
  const yLabel = y === 'deltaLoss' ? 'Δ LM loss' : 'FVU';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">` +
    `<rect width="${W}" height="${H}" fill="#fff"/>` +
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#333"/>` +
    `<text x="${(W + m.l) / 2}" y="${H - 8}" text-anchor="middle">L0 (${x0.toPrecision(3)} – ${x1.toPrecision(3)})</text>` +
    `<text x="14" y="${(H - m.b) / 2}" transform="rotate(-90 14 ${(H - m.b) / 2})" text-anchor="middle">${yLabel} (${y0.toPrecision(3)} – ${y1.toPrecision(3)})</text>` +
    dots +
    `</svg>`
  );
}
