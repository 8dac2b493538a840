// One feature's card: editable label, density and max, the activation histogram (with the hovered
// token's value marked), top contexts shaded by act / this feature's max, and the output tokens its
// decoder direction promotes and suppresses.
import { Chart } from 'chart.js';
import type { FeatureCardResult } from '../../protocol';
import './charts';
import { formatPct } from './feature-list';
import { el, postToExtension } from './ws-client';

export class FeatureCardView {
  private hist: Chart<'bar'> | undefined;
  private card: FeatureCardResult | undefined;
  private hovered: number | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly saveLabel: (id: number, label: string) => Promise<void>,
  ) {}

  show(c: FeatureCardResult): void {
    this.card = c;
    this.hist?.destroy();
    const label = el('input', { class: 'label-edit', type: 'text', placeholder: 'Add a label…', 'aria-label': 'feature label' });
    label.value = c.label ?? '';
    const saved = el('span', { class: 'saved' });
    const save = () => {
      if ((c.label ?? '') === label.value.trim()) return;
      this.saveLabel(c.id, label.value).then(
        () => {
          c.label = label.value.trim() || undefined;
          saved.textContent = 'saved';
        },
        (e: Error) => (saved.textContent = `not saved: ${e.message}`),
      );
    };
    label.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') save();
    });
    label.addEventListener('blur', save);
    const focus = el('button', { class: 'focus' }, 'Focus in editor');
    focus.addEventListener('click', () => postToExtension({ type: 'focusFeature', feature: c.id }));
    const canvas = el('canvas');
    this.root.replaceChildren(
      el('div', { class: 'card-head' }, el('h3', {}, `Feature #${c.id}`), focus),
      el('div', { class: 'label-row' }, label, saved),
      el('div', { class: 'stats' }, el('span', {}, `density ${formatPct(c.density)}`), el('span', {}, `max ${c.maxAct.toPrecision(4)}`)),
      el('div', { class: 'hist' }, canvas),
      el('h4', {}, 'Top activations'),
      el('div', { class: 'contexts' }, ...c.top.map((t) => context(t, c.maxAct))),
      ...(c.promoted ? [el('div', { class: 'logits' }, logitList('Promoted', c.promoted, 'pos'), logitList('Suppressed', c.suppressed ?? [], 'neg'))] : []),
    );
    this.root.dataset.feature = String(c.id);
    const [lo, hi] = c.histLog10Range;
    const step = (hi - lo) / c.hist.length;
    this.hist = new Chart(canvas, {
      type: 'bar',
      data: {
        labels: c.hist.map((_, i) => (10 ** (lo + (i + 0.5) * step)).toPrecision(2)),
        datasets: [{ data: c.hist, backgroundColor: c.hist.map((_, i) => this.barColour(i)), barPercentage: 1, categoryPercentage: 1 }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { title: { display: true, text: 'activation (log bins)' }, ticks: { maxTicksLimit: 7 } }, y: { ticks: { maxTicksLimit: 4 } } },
      },
    });
  }

  private barColour(i: number): string {
    const c = this.card;
    if (!c || this.hovered === undefined || this.hovered <= 0) return '#4e79a7';
    const [lo, hi] = c.histLog10Range;
    const bin = Math.min(c.hist.length - 1, Math.max(0, Math.floor(((Math.log10(this.hovered) - lo) / (hi - lo)) * c.hist.length)));
    return i === bin ? '#e15759' : '#4e79a7';
  }

  /** Marks the hovered token's activation of this feature in the histogram (undefined: not firing). */
  markValue(v: number | undefined): void {
    this.hovered = v;
    this.root.dataset.hovered = v === undefined ? '' : String(v);
    if (!this.hist || !this.card) return;
    this.hist.data.datasets[0].backgroundColor = this.card.hist.map((_, i) => this.barColour(i));
    this.hist.update('none');
  }
}

function context(t: FeatureCardResult['top'][number], max: number): HTMLElement {
  return el(
    'div',
    { class: 'context', title: `activation ${t.value.toPrecision(4)}` },
    el('span', { class: 'value' }, t.value.toPrecision(3)),
    ...t.tokens.map((s, i) => {
      const span = el('span', { class: i === t.centre ? 'tok centre' : 'tok' }, s.replace(/\n/g, '⏎'));
      const rel = max > 0 ? Math.min(1, Math.max(0, t.acts[i] / max)) : 0;
      if (rel > 0) {
        span.style.backgroundColor = `rgba(242, 142, 43, ${(0.15 + 0.85 * rel).toFixed(2)})`;
        span.title = `${t.acts[i].toPrecision(3)} (${Math.round(rel * 100)}% of max)`;
      }
      return span;
    }),
  );
}

function logitList(title: string, rows: { token: string; logit: number }[], cls: string): HTMLElement {
  return el(
    'div',
    { class: `logit-list ${cls}` },
    el('h4', {}, title),
    ...rows.map((r) => el('div', {}, el('code', {}, JSON.stringify(r.token)), ` ${r.logit.toFixed(2)}`)),
  );
}
