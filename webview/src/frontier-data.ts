// Frontier points from finished jobs: a pure module (no DOM) shared by the dashboard and tests.
// Job results are read tolerantly, by the metric names the evaluator writes (`metrics/l0`,
// `metrics/fvu`, `delta_lm_loss`), whether they sit at the top, under `metrics`, or in a sweep's
// per-scale list.
import type { JobInfo } from '../../protocol';

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

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(o: Obj, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  for (const nest of ['metrics', 'lmLoss', 'lm_loss', 'eval']) {
    const n = o[nest];
    if (isObj(n)) {
      const v = num(n, ...keys);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

function point(job: JobInfo, o: Obj, fallbackPath: string): FrontierPoint | undefined {
  const l0 = num(o, 'metrics/l0', 'l0', 'L0');
  if (l0 === undefined) return undefined;
  let fvu = num(o, 'metrics/fvu', 'fvu');
  if (fvu === undefined) {
    const ev = num(o, 'metrics/explained_variance', 'explained_variance');
    if (ev !== undefined) fvu = 1 - ev;
  }
  const path = [o.out, o.sae, o.path, o.dir].find((p): p is string => typeof p === 'string') ?? fallbackPath;
  return {
    jobId: job.id,
    architecture: String(o.architecture ?? job.spec.train?.architecture ?? (job.spec.kind === 'sweepThreshold' ? 'jumprelu' : 'unknown')),
    path,
    l0,
    deltaLoss: num(o, 'delta_lm_loss', 'metrics/delta_lm_loss', 'deltaLoss'),
    fvu,
    scale: num(o, 'scale'),
  };
}

export function frontierPoints(job: JobInfo): FrontierPoint[] {
  if (job.state !== 'done' || job.result === undefined) return [];
  const r: unknown = job.result;
  const base = job.spec.train?.out ?? job.spec.sae ?? job.dir;
  const list = Array.isArray(r) ? r : isObj(r) ? ([r.points, r.rows, r.scales, r.results, r.sweep].find(Array.isArray) as unknown[] | undefined) : undefined;
  if (list) return list.filter(isObj).map((o) => point(job, o, base)).filter((p): p is FrontierPoint => !!p);
  if (isObj(r)) {
    const p = point(job, r, base);
    return p ? [p] : [];
  }
  return [];
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
