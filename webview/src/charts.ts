// Live training plots (Chart.js): one chart per metric, one line per run, so runs overlay. Points
// arrive as TrainProgressEvents from the daemon's job stream; redraws are batched per frame.
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
  ScatterController,
  BarController,
  BarElement,
  CategoryScale,
} from 'chart.js';
import type { TrainProgressEvent } from '../../protocol';
import { el } from './ws-client';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Legend,
  Tooltip,
  ScatterController,
  BarController,
  BarElement,
  CategoryScale,
);
Chart.defaults.animation = false;
Chart.defaults.color = getComputedStyle(document.documentElement).getPropertyValue('--vscode-foreground').trim() || '#666';

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

interface MetricSpec {
  key: string;
  title: string;
  log?: boolean;
}

const METRICS: MetricSpec[] = [
  { key: 'losses/mse_loss', title: 'MSE', log: true },
  { key: 'metrics/l0', title: 'L0 (dashed: target)' },
  { key: 'metrics/explained_variance', title: 'Explained variance' },
  { key: 'sparsity/dead_features', title: 'Dead features' },
  { key: 'details/current_l0_coefficient', title: 'λ' },
  { key: 'details/current_learning_rate', title: 'Learning rate' },
];

type Pt = { x: number; y: number };

export class TrainingCharts {
  private charts = new Map<string, Chart<'line', Pt[]>>();
  private runs: string[] = [];
  private thresholdChart: Chart<'line', Pt[]>;
  private thresholdRun: string | undefined;
  private dirty = false;

  constructor(private readonly root: HTMLElement) {
    for (const m of METRICS) this.charts.set(m.key, this.makeChart(m.key, m.title, m.log));
    this.thresholdChart = this.makeChart('threshold', 'Threshold θ quantiles over steps');
  }

  private makeChart(key: string, title: string, log = false): Chart<'line', Pt[]> {
    const canvas = el('canvas');
    const box = el('div', { class: 'chart', 'data-metric': key, 'data-points': '0' }, el('h4', {}, title), el('div', { class: 'canvas-box' }, canvas));
    this.root.append(box);
    return new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        elements: { point: { radius: 0 }, line: { borderWidth: 1.5 } },
        scales: { x: { type: 'linear', title: { display: true, text: 'step' } }, y: { type: log ? 'logarithmic' : 'linear' } },
        plugins: { legend: { display: true, labels: { boxWidth: 10 } } },
      },
    });
  }

  private dataset(chart: Chart<'line', Pt[]>, label: string, color: string, dashed = false) {
    let ds = chart.data.datasets.find((d) => d.label === label);
    if (!ds) {
      ds = { label, data: [], borderColor: color, backgroundColor: color, borderDash: dashed ? [5, 4] : undefined };
      chart.data.datasets.push(ds);
    }
    return ds;
  }

  /** Adds one progress event of run `runId`; `targetL0` draws the L0 target beside it. */
  add(runId: string, e: TrainProgressEvent, targetL0?: number): void {
    let i = this.runs.indexOf(runId);
    if (i < 0) i = this.runs.push(runId) - 1;
    const color = PALETTE[i % PALETTE.length];
    for (const m of METRICS) {
      const v = e[m.key];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (m.log && v <= 0) continue;
      const chart = this.charts.get(m.key)!;
      this.dataset(chart, runId, color).data.push({ x: e.step, y: v });
      if (m.key === 'metrics/l0' && targetL0 !== undefined) this.dataset(chart, `${runId} target`, color, true).data.push({ x: e.step, y: targetL0 });
    }
    if (Array.isArray(e.thresholdQuantiles) && e.thresholdQuantiles.length > 0) {
      // The distribution plot follows the latest run that reports thresholds: one line per quantile.
      if (this.thresholdRun !== runId) {
        this.thresholdRun = runId;
        this.thresholdChart.data.datasets = [];
      }
      const qs = e.thresholdQuantiles;
      qs.forEach((q, k) => {
        const name = `${runId} q${Math.round((100 * (k + 1)) / (qs.length + 1))}`;
        this.dataset(this.thresholdChart, name, PALETTE[k % PALETTE.length]).data.push({ x: e.step, y: q });
      });
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.dirty) return;
    this.dirty = true;
    requestAnimationFrame(() => {
      this.dirty = false;
      for (const c of [...this.charts.values(), this.thresholdChart]) {
        c.update('none');
        const n = c.data.datasets.reduce((a, d) => a + d.data.length, 0);
        (c.canvas.closest('.chart') as HTMLElement).dataset.points = String(n);
      }
    });
  }

  runCount(): number {
    return this.runs.length;
  }
}
