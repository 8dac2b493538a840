// The sparsity/fidelity frontier: every finished SAE as L0 against Δ LM loss and against FVU, one
// colour per architecture, the daemon's current SAE drawn larger; clicking a point loads that SAE.
import { Chart, type ChartEvent, type ScriptableContext } from 'chart.js';
import { ARCHITECTURES } from '../../protocol/train';
import { PALETTE } from './charts';
import { frontierCsv, frontierSvg, type FrontierPoint } from './frontier-data';
import { el, postToExtension } from './ws-client';

const ARCH_COLOURS: Record<string, string> = Object.fromEntries(ARCHITECTURES.map((a, i) => [a, PALETTE[i]]));
type XY = { x: number; y: number; p: FrontierPoint };

export class FrontierView {
  private points: FrontierPoint[] = [];
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
            x: { grace: '8%', title: { display: true, text: 'L0' } },
            y: { grace: '8%', title: { display: true, text: y === 'deltaLoss' ? 'Δ LM loss' : 'FVU' } },
          },
          elements: {
            point: {
              radius: (c: ScriptableContext<'scatter'>) => ((c.raw as XY | undefined)?.p.path === this.current ? 8 : 4),
              borderWidth: (c: ScriptableContext<'scatter'>) => ((c.raw as XY | undefined)?.p.path === this.current ? 3 : 1),
              borderColor: (c: ScriptableContext<'scatter'>) => ((c.raw as XY | undefined)?.p.path === this.current ? '#000' : 'rgba(0,0,0,0.3)'),
            },
          },
          plugins: {
            tooltip: {
              callbacks: {
                label: (c) => {
                  const p = (c.raw as XY).p;
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

  private pick(chart: Chart<'scatter', XY[]>, e: ChartEvent): void {
    if (!e.native) return;
    const hit = chart.getElementsAtEventForMode(e.native, 'nearest', { intersect: true }, true)[0];
    if (!hit) return;
    const p = chart.data.datasets[hit.datasetIndex].data[hit.index].p;
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
    chart.data.datasets.forEach((d, i) =>
      chart.getDatasetMeta(i).data.forEach((e, j) => at.push({ path: d.data[j].p.path, l0: d.data[j].p.l0, x: Math.round(e.x), y: Math.round(e.y) })),
    );
    (chart.canvas.closest('.chart') as HTMLElement).dataset.pixels = JSON.stringify(at);
  }

  /** Replaces the points of job `jobId` (a re-run or a finished sweep). */
  setJobPoints(jobId: string, pts: FrontierPoint[]): void {
    this.points = [...this.points.filter((p) => p.jobId !== jobId), ...pts];
    for (const { y, chart } of this.charts) {
      const archs = [...new Set(this.points.map((p) => p.architecture))].sort();
      chart.data.datasets = archs.map((a) => {
        const c = ARCH_COLOURS[a] ?? PALETTE[5 + (archs.indexOf(a) % 5)];
        return {
          label: a,
          backgroundColor: c,
          data: this.points
            .filter((p) => p.architecture === a && p[y] !== undefined)
            .sort((u, v) => u.l0 - v.l0)
            .map((p) => ({ x: p.l0, y: p[y] as number, p })),
        };
      });
      this.redraw(chart);
    }
    this.box.dataset.points = String(this.points.length);
  }

  colours(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const { chart } of this.charts.slice(0, 1)) for (const d of chart.data.datasets) out[d.label ?? ''] = String(d.backgroundColor);
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
