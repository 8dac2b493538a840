// The feature browser (a webview view in the JumpLens activity-bar container): a virtualised list
// of every feature with sorting, a density filter and search, and the selected feature's card.
import './zod-config';
import './features.css';
import type { FeatureCardResult, FeatureListResult, FeatureSort, TokenFeatures } from '../../protocol';
import { FeatureCardView } from './feature-card';
import { FeatureList } from './feature-list';
import { DaemonClient, el } from './ws-client';

const t0 = performance.now();
const client = new DaemonClient();

const search = el('input', { type: 'search', class: 'search', placeholder: 'id, label, or token:the', 'aria-label': 'search features' });
const sort = el(
  'select',
  { class: 'sort', 'aria-label': 'sort' },
  ...(['density', 'maxAct', 'label', 'id'] as FeatureSort[]).map((s) =>
    el('option', { value: s }, { density: 'density', maxAct: 'max activation', label: 'label', id: 'id' }[s]),
  ),
);
const maxDensity = el('input', {
  type: 'number',
  class: 'max-density',
  min: '0',
  max: '100',
  step: '0.1',
  value: '1',
  title: 'hide features denser than this % of tokens',
  'aria-label': 'max density %',
});
const onToken = el('button', { class: 'on-token', disabled: '' }, 'On hovered token');
const importPath = el('input', { type: 'text', class: 'import-path', placeholder: 'Neuronpedia explanations .json' });
const importBtn = el('button', { class: 'import' }, 'Import labels');
const count = el('span', { class: 'count' });
const status = el('div', { class: 'status', role: 'status' });
const listBox = el('div', { class: 'list' });
const cardBox = el('div', { class: 'card' });

document.body.append(
  el('div', { class: 'toolbar' }, search, sort, el('label', {}, 'max density % ', maxDensity), onToken, count),
  el('div', { class: 'browser' }, listBox, cardBox),
  el('div', { class: 'toolbar import-row' }, importPath, importBtn),
  status,
);

const cardView = new FeatureCardView(cardBox, async (id, label) => {
  await client.request({ op: 'setLabel', feature: id, label });
  list.setLabel(id, label.trim() || undefined);
});
const list = new FeatureList(listBox, (id) => void openCard(id));

let hovered: TokenFeatures | undefined;
let onTokenIds: number[] | undefined;
let firstPaint = true;
let seq = 0;

async function refresh(): Promise<void> {
  const mine = ++seq;
  const pct = Number(maxDensity.value);
  const req = {
    op: 'listFeatures' as const,
    sort: sort.value as FeatureSort,
    maxDensity: Number.isFinite(pct) ? Math.min(1, Math.max(0, pct / 100)) : 0.01,
    query: search.value.trim() || undefined,
  };
  try {
    const r = await client.request<FeatureListResult>(req);
    if (mine !== seq) return;
    if (onTokenIds) {
      // "Features firing on this token": keep the list's order, restricted to the hovered token's features.
      const keep = new Set(onTokenIds);
      const idx = r.ids.map((id, i) => (keep.has(id) ? i : -1)).filter((i) => i >= 0);
      Object.assign(r, { ids: idx.map((i) => r.ids[i]), density: idx.map((i) => r.density[i]), maxAct: idx.map((i) => r.maxAct[i]), total: idx.length });
    }
    list.set(r);
    count.textContent = `${r.total} of ${r.dSae}`;
    if (firstPaint) {
      firstPaint = false;
      const ms = performance.now() - t0;
      document.body.dataset.firstPaintMs = ms.toFixed(1);
      performance.mark('jumplens-first-rows');
    }
    // Clear only our own earlier failure, not another action's message (e.g. "Imported 12 labels").
    if (status.textContent?.startsWith('listFeatures:')) status.textContent = '';
  } catch (e) {
    status.textContent = `listFeatures: ${(e as Error).message}. Build a feature store from the dashboard ("Feature store" form) for the loaded SAE.`;
  }
}

async function openCard(id: number): Promise<void> {
  try {
    const c = await client.request<FeatureCardResult>({ op: 'featureCard', feature: id });
    cardView.show(c);
    cardView.markValue(hovered?.top.find((f) => f.id === id)?.act);
  } catch (e) {
    status.textContent = `featureCard ${id}: ${(e as Error).message}`;
  }
}

let debounce = 0;
search.addEventListener('input', () => {
  clearTimeout(debounce);
  debounce = window.setTimeout(() => void refresh(), 120);
});
search.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    clearTimeout(debounce);
    void refresh();
  }
});
sort.addEventListener('change', () => void refresh());
maxDensity.addEventListener('change', () => void refresh());
onToken.addEventListener('click', () => {
  onTokenIds = onTokenIds ? undefined : hovered?.top.map((f) => f.id);
  onToken.setAttribute('aria-pressed', String(!!onTokenIds));
  void refresh();
});
importBtn.addEventListener('click', () => {
  const file = importPath.value.trim();
  if (!file) {
    status.textContent = 'Give the path of a Neuronpedia explanations JSON file';
    return;
  }
  client.request<{ imported: number }>({ op: 'importLabels', file }).then(
    (r) => {
      status.textContent = `Imported ${r.imported} labels`;
      void refresh();
    },
    (e: Error) => (status.textContent = `importLabels: ${e.message}`),
  );
});

client.onMessage((m) => {
  if (m.type === 'hoveredToken') {
    hovered = m.token;
    onToken.disabled = m.token.top.length === 0;
    onToken.textContent = `On “${m.token.text}” (${m.token.top.length})`;
    list.mark(m.token.top.map((f) => f.id));
    const shown = Number(cardBox.dataset.feature);
    cardView.markValue(m.token.top.find((f) => f.id === shown)?.act);
  }
});

const LOST = 'The daemon is not reachable; reconnecting…';
client.onClose(() => (status.textContent = LOST));
client.onOpen(() => {
  if (status.textContent === LOST) status.textContent = '';
  void refresh();
});
void refresh();
