// The steer panel's page: the prompt up to the cursor, the unsteered and steered continuations side
// by side (differing tokens highlighted), the feature's label and logit effects, and the clamp in
// units of the feature's max activation. It talks only to the extension (postMessage), which runs
// `jumplens/steer` over LSP; a moved slider re-runs after a 200 ms pause.
import './zod-config';
import './steer.css';
import type { SteerResult, SteerToken } from '../../protocol';
import type { SteerPanelMessage, SteerPanelUpdate, SteerTarget } from '../../protocol/webview';
import { el, host } from './ws-client';

const DEBOUNCE_MS = 200;
const post = (m: SteerPanelMessage) => host()?.postMessage(m);

const title = el('h2', {}, 'Steer');
const label = el('span', { class: 'label' });
const slider = el('input', { type: 'range', min: '-2', max: '10', step: '0.1', value: '2', 'aria-label': 'clamp (x max activation)' });
const number = el('input', { type: 'number', min: '-1000', max: '1000', step: '0.1', value: '2', 'aria-label': 'clamp value' });
const unit = el('span', {}, '× max act');
const clampBtn = el('button', { type: 'button' }, 'Clamp');
const ablateBtn = el('button', { type: 'button' }, 'Ablate');
const info = el('div', { class: 'info' });
const prompt = el('div', { class: 'prompt', title: 'prompt up to the cursor' });
const unsteered = el('div', { class: 'text unsteered' });
const steered = el('div', { class: 'text steered' });
const steeredHead = el('h3', {}, 'Steered');
const status = el('div', { class: 'status', role: 'status' }, 'running…');
document.body.append(
  el('header', {}, title, label),
  el('div', { class: 'controls' }, clampBtn, slider, number, unit, ablateBtn),
  info,
  prompt,
  el('div', { class: 'sides' }, el('div', { class: 'side' }, el('h3', {}, 'Unsteered'), unsteered), el('div', { class: 'side' }, steeredHead, steered)),
  status,
);

let mode: SteerTarget['mode'] = 'clamp';
let timer: number | undefined;

function setMode(m: SteerTarget['mode']): void {
  mode = m;
  clampBtn.classList.toggle('active', m === 'clamp');
  ablateBtn.classList.toggle('active', m === 'ablate');
}

function run(): void {
  const value = Number(number.value);
  if (mode !== 'ablate' && !Number.isFinite(value)) {
    say(`"${number.value}" is not a number`, true);
    return;
  }
  say('running…');
  post(mode === 'ablate' ? { type: 'steerRun', mode } : { type: 'steerRun', mode, value });
}

function later(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = window.setTimeout(run, DEBOUNCE_MS);
}

slider.addEventListener('input', () => {
  number.value = slider.value;
  setMode('clamp');
  later();
});
number.addEventListener('input', () => {
  slider.value = number.value;
  setMode('clamp');
  later();
});
clampBtn.addEventListener('click', () => {
  setMode('clamp');
  run();
});
ablateBtn.addEventListener('click', () => {
  setMode('ablate');
  run();
});

function say(msg: string, error = false): void {
  status.textContent = msg;
  status.className = error ? 'status error' : 'status';
}

function tokens(box: HTMLElement, toks: SteerToken[]): void {
  box.replaceChildren(...toks.map((t) => el('span', { class: t.differs ? 'tok diff' : 'tok', title: `id ${t.id}` }, t.text)));
}

const list = (xs: { token: string }[]) =>
  xs
    .slice(0, 5)
    .map((x) => JSON.stringify(x.token))
    .join(' ');

function showTarget(t: SteerTarget): void {
  title.textContent = `Steer feature #${t.feature} `;
  setMode(t.mode);
  if (t.value !== undefined && t.mode === 'clamp') {
    number.value = String(t.value);
    slider.value = String(t.value);
  }
  say('running…');
}

function showResult(r: SteerResult, t: SteerTarget): void {
  const f = r.features.find((x) => x.feature === t.feature);
  label.textContent = f?.label ? `“${f.label}”` : '(no label)';
  unit.textContent = f?.maxAct === undefined ? '(absolute: no feature store)' : `× max act ${f.maxAct.toFixed(3)}`;
  const parts: (Node | string)[] = [el('span', {}, 'hook ', el('code', {}, r.hook))];
  if (f?.promoted.length) parts.push(`promotes ${list(f.promoted)}`, `suppresses ${list(f.suppressed)}`);
  parts.push(`next token KL ${r.nextToken.kl.toFixed(4)} nats`);
  info.replaceChildren(...parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
  prompt.textContent = r.promptText;
  tokens(unsteered, r.unsteered);
  tokens(steered, r.steered);
  const how = t.mode === 'ablate' ? 'ablated' : t.mode === 'clamp' ? `clamped to ${t.value}× max act` : `scaled ×${t.value}`;
  steeredHead.textContent = `Steered (#${t.feature} ${how})`;
  say(r.firstDiff < 0 ? `identical continuations (${r.ms.toFixed(0)} ms)` : `continuations differ from token ${r.firstDiff} (${r.ms.toFixed(0)} ms)`);
  document.body.dataset.differs = String(r.firstDiff >= 0);
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as SteerPanelUpdate;
  if (m.type === 'steerTarget') showTarget(m.target);
  else if (m.type === 'steerResult') showResult(m.result, m.target);
  else if (m.type === 'steerError') say(m.error, true);
});

post({ type: 'ready' });
