// A virtualised feature list: only the rows in view (plus a little overscan) exist in the DOM, so a
// 16k- or 1M-feature SAE scrolls as fast as a 100-feature one. Columns arrive as arrays.
import type { FeatureListResult } from '../../protocol';
import { el } from './ws-client';

export const ROW_HEIGHT = 22;
const OVERSCAN = 8;

export class FeatureList {
  private data: FeatureListResult = { total: 0, dSae: 0, offset: 0, ids: [], density: [], maxAct: [], labels: {} };
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private selected = -1;
  private marked = new Set<number>();
  private raf = 0;

  constructor(
    readonly root: HTMLElement,
    private readonly onPick: (id: number) => void,
  ) {
    this.spacer = el('div', { class: 'spacer' });
    this.rows = el('div', { class: 'rows', role: 'listbox' });
    root.classList.add('vlist');
    root.append(this.spacer, this.rows);
    root.addEventListener('scroll', () => this.schedule());
    new ResizeObserver(() => this.schedule()).observe(root);
    this.rows.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('[data-id]');
      if (row) this.pick(Number(row.dataset.id));
    });
    root.tabIndex = 0;
    root.addEventListener('keydown', (e) => {
      const i = this.data.ids.indexOf(this.selected);
      if (e.key === 'ArrowDown' && i + 1 < this.data.ids.length) this.pick(this.data.ids[i + 1], true);
      else if (e.key === 'ArrowUp' && i > 0) this.pick(this.data.ids[i - 1], true);
      else return;
      e.preventDefault();
    });
  }

  set(data: FeatureListResult): void {
    this.data = data;
    this.spacer.style.height = `${data.ids.length * ROW_HEIGHT}px`;
    this.root.dataset.total = String(data.total);
    this.render();
  }

  /** Features firing on the hovered token are marked in the list. */
  mark(ids: number[]): void {
    this.marked = new Set(ids);
    this.render();
  }

  setLabel(id: number, label: string | undefined): void {
    if (label) this.data.labels[id] = label;
    else delete this.data.labels[id];
    this.render();
  }

  pick(id: number, scroll = false): void {
    this.selected = id;
    if (scroll) {
      const i = this.data.ids.indexOf(id);
      const top = i * ROW_HEIGHT;
      if (top < this.root.scrollTop) this.root.scrollTop = top;
      else if (top + ROW_HEIGHT > this.root.scrollTop + this.root.clientHeight) this.root.scrollTop = top + ROW_HEIGHT - this.root.clientHeight;
    }
    this.render();
    this.onPick(id);
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.render();
    });
  }

  private render(): void {
    const { ids, density, maxAct, labels } = this.data;
    const h = this.root.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.root.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(ids.length, Math.ceil((this.root.scrollTop + h) / ROW_HEIGHT) + OVERSCAN);
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const id = ids[i];
      const cls = ['row', id === this.selected ? 'selected' : '', this.marked.has(id) ? 'marked' : ''].join(' ').trim();
      const row = el(
        'div',
        { class: cls, 'data-id': String(id), role: 'option', 'aria-selected': String(id === this.selected) },
        el('span', { class: 'id' }, `#${id}`),
        el('span', { class: 'label' }, labels[id] ?? ''),
        el('span', { class: 'density', title: 'density' }, formatPct(density[i])),
        el('span', { class: 'max', title: 'max activation' }, maxAct[i].toPrecision(3)),
      );
      row.style.top = `${i * ROW_HEIGHT}px`;
      out.push(row);
    }
    this.rows.replaceChildren(...out);
  }
}

export function formatPct(x: number): string {
  if (x === 0) return '0%';
  const p = x * 100;
  return p >= 1 ? `${p.toFixed(1)}%` : p >= 0.01 ? `${p.toFixed(3)}%` : `${p.toExponential(1)}%`;
}
