// The sparsity/fidelity frontier: every finished SAE as L0 (log axis) against Δ LM loss and against
// FVU, one colour per architecture, the daemon's current SAE drawn larger; clicking a point loads
// that SAE. Under them, a reference sweep's site as one line per architecture in the same colours
// (reference-frontier.ts picks the sweep and the site); those lines are drawn below the user's points
// and cannot be picked (their SAEs are not on this machine).
import { Chart, type ChartEvent, type ScriptableContext } from 'chart.js';
import { ARCHITECTURES } from '../../protocol/train';
import { PALETTE } from './charts';
import { frontierCsv, frontierSvg, type FrontierPoint } from './frontier-data';
import type { ReferenceLine, ReferencePoint } from './reference-data';
import { el, postToExtension } from './ws-client';

const ARCH_COLOURS: Record<string, string> = Object.fromEntries(ARCHITECTURES.map((a, i) => [a, PALETTE[i]]));
/** A drawn point: a job's (`p`, pickable) or a reference run's (`ref`). */
type XY = { x: number; y: number; p?: FrontierPoint; ref?: ReferencePoint };
const colourOf = (a: string, archs: readonly string[]) => ARCH_COLOURS[a] ?? PALETTE[5 + (archs.indexOf(a) % 5)];

export class FrontierView {
  private points: FrontierPoint[] = [];
  private reference: ReferenceLine[] = [];
  private current: string | undefined;
  private charts: { y: 'deltaLoss' | 'fvu'; chart: Chart<'scatter', XY[]> }[] = [];
  readonly box: HTMLElement;

  constructor(root: HTMLElement) {
    const exports = el('div', { class: 'exports' });
    for (const [fmt, fn] of [
      ['PNG', () => this.exportPng()],
      ['SVG', () => this.exportSvg()],
      ['CSV', () => download('frontier.csv', 'data:text/csv;charset=utf-8,' + encodeURIComponent(frontierCsv(this.points)))],
    ] as const) {
      const b = el('button', { 'data-export': fmt }, `Export ${fmt}`);
      b.addEventListener('click', fn);
      exports.append(b);
    }
    this.box = el('div', { class: 'frontier', 'data-points': '0' }, exports);
    root.append(this.box);
    for (const y of ['deltaLoss', 'fvu'] as const) {
      const canvas = el('canvas');
      this.box.append(
        el(
          'div',
          { class: 'chart', 'data-frontier': y },
          el('h4', {}, y === 'deltaLoss' ? 'L0 vs Δ LM loss' : 'L0 vs FVU'),
          el('div', { class: 'canvas-box' }, canvas),
        ),
      );
      const chart = new Chart<'scatter', XY[]>(canvas, {
        type: 'scatter',
        data: { datasets: [] },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          scales: {
            x: { type: 'logarithmic', title: { display: true, text: 'L0 (log scale)' } },
            y: { grace: '8%', title: { display: true, text: y === 'deltaLoss' ? 'Δ LM loss' : 'FVU' } },
          },
          elements: {
            point: {
              radius: (c: ScriptableContext<'scatter'>) => (this.isCurrent(c) ? 8 : 4),
              borderWidth: (c: ScriptableContext<'scatter'>) => (this.isCurrent(c) ? 3 : 1),
              borderColor: (c: ScriptableContext<'scatter'>) => (this.isCurrent(c) ? '#000' : 'rgba(0,0,0,0.3)'),
            },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (c) => {
                  const { p, ref } = c.raw as XY;
                  if (!p) return ref ? `${ref.row.architecture} ${ref.row.name} (reference): L0 ${ref.l0.toFixed(2)}` : '';
                  return `${p.architecture} ${p.path}${p.scale !== undefined ? ` ×${p.scale}` : ''}: L0 ${p.l0.toFixed(2)}`;
                },
              },
            },
          },
          onClick: (e: ChartEvent, _els, ch) => this.pick(ch as Chart<'scatter', XY[]>, e),
        },
      });
      this.charts.push({ y, chart });
    }
  }

  private isCurrent(c: ScriptableContext<'scatter'>): boolean {
    const p = (c.raw as XY | undefined)?.p;
    return p !== undefined && p.path === this.current;
  }

  private pick(chart: Chart<'scatter', XY[]>, e: ChartEvent): void {
    if (!e.native) return;
    const hits = chart.getElementsAtEventForMode(e.native, 'nearest', { intersect: true }, true);
    const p = hits.map((h) => chart.data.datasets[h.datasetIndex].data[h.index].p).find((q) => q !== undefined);
    if (!p) return;
    this.setCurrent(p.path);
    this.box.dataset.picked = p.path;
    postToExtension({ type: 'loadSae', path: p.path });
  }

  setCurrent(path: string | undefined): void {
    this.current = path;
    this.box.dataset.current = path ?? '';
    for (const { chart } of this.charts) this.redraw(chart);
  }

  /** Redraws, and records where each point landed (canvas pixels) so tests and tools can pick them. */
  private redraw(chart: Chart<'scatter', XY[]>): void {
    chart.update('none');
    const at: { path: string; l0: number; x: number; y: number }[] = [];
    let reference = 0;
    chart.data.datasets.forEach((d, i) =>
      chart.getDatasetMeta(i).data.forEach((e, j) => {
        const p = d.data[j].p;
        if (p) at.push({ path: p.path, l0: p.l0, x: Math.round(e.x), y: Math.round(e.y) });
        else reference++;
      }),
    );
    const box = chart.canvas.closest('.chart') as HTMLElement;
    box.dataset.pixels = JSON.stringify(at);
    box.dataset.referencePoints = String(reference);
  }

  /** Replaces the points of job `jobId` (a re-run or a finished sweep). */
  setJobPoints(jobId: string, pts: FrontierPoint[]): void {
    this.points = [...this.points.filter((p) => p.jobId !== jobId), ...pts];
    this.render();
    this.box.dataset.points = String(this.points.length);
  }

  /** Replaces the reference lines (one site of a sweep; [] removes them). */
  setReference(lines: ReferenceLine[]): void {
    this.reference = lines;
    this.render();
    this.box.dataset.referencePoints = String(lines.reduce((n, l) => n + l.points.length, 0));
  }

  private render(): void {
    const archs = [...new Set([...this.points.map((p) => p.architecture), ...this.reference.map((l) => l.architecture)])].sort();
    for (const { y, chart } of this.charts) {
      // Lower `order` is drawn later, so the user's points (0) sit on top of the reference lines (1).
      const jobs = [...new Set(this.points.map((p) => p.architecture))].sort().map((a) => ({
        label: a,
        order: 0,
        backgroundColor: colourOf(a, archs),
        data: this.points
          .filter((p) => p.architecture === a && p[y] !== undefined)
          .sort((u, v) => u.l0 - v.l0)
          .map((p): XY => ({ x: p.l0, y: p[y] as number, p })),
      }));
      const refs = this.reference.map((l) => ({
        label: `${l.architecture} (reference)`,
        order: 1,
        showLine: true,
        borderColor: colourOf(l.architecture, archs),
        backgroundColor: colourOf(l.architecture, archs),
        borderWidth: 1.5,
        borderDash: [5, 3],
        pointRadius: 2.5,
        pointBorderWidth: 0,
        data: l.points.filter((q) => q[y] !== undefined).map((ref): XY => ({ x: ref.l0, y: ref[y] as number, ref })),
      }));
      chart.data.datasets = [...jobs, ...refs];
      this.redraw(chart);
    }
  }

  colours(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { chart } of this.charts.slice(0, 1)) for (const d of chart.data.datasets) if (d.order === 0) out[d.label ?? ''] = String(d.backgroundColor);
    return out;
  }

  private exportPng(): void {
    this.charts.forEach(({ y, chart }) => download(`frontier-${y}.png`, chart.toBase64Image('image/png')));
  }

  private exportSvg(): void {
    for (const y of ['deltaLoss', 'fvu'] as const) {
      download(`frontier-${y}.svg`, 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(frontierSvg(this.points, y, this.colours(), this.current)));
    }
  }
}

function download(name: string, href: string): void {
  const a = el('a', { href, download: name });
  document.body.append(a);
  a.click();
  a.remove();
}
