// The JumpLens dashboard: job forms, live training plots, the frontier (with a reference sweep under
// the user's points) and the jobs list, over the daemon's ws API and its job stream.
import './zod-config';
import './dashboard.css';
import type { JobEvent, JobInfo, JobSpec, StatusResult } from '../../protocol';
import { TrainingCharts } from './charts';
import { FrontierView } from './frontier';
import { frontierPoints } from './frontier-data';
import { applyPrefill, prefillFromStatus } from './form-prefill';
import { activeFields, defaults, FORMS, validateForm, type FieldSpec, type FormKind } from './job-forms';
import { JobsList } from './jobs-list';
import { ReferenceFrontier } from './reference-frontier';
import { DaemonClient, el } from './ws-client';

const client = new DaemonClient();
const status = el('div', { class: 'status', role: 'status' });
const formBox = el('section', { class: 'forms' });
const chartsBox = el('section', { class: 'charts' });
const frontierBox = el('section', { class: 'frontier-box' });
const jobsBox = el('section', { class: 'jobs-box' });
document.body.append(
  el('header', {}, el('h2', {}, 'JumpLens dashboard'), status),
  el(
    'div',
    { class: 'layout' },
    el('div', { class: 'left' }, formBox, el('h3', {}, 'Jobs'), jobsBox),
    el('div', { class: 'right' }, el('h3', {}, 'Training'), chartsBox, el('h3', {}, 'Frontier'), frontierBox),
  ),
);

function say(msg: string, error = false): void {
  status.textContent = msg;
  status.className = error ? 'status error' : 'status';
}

const charts = new TrainingCharts(chartsBox);
const frontier = new FrontierView(frontierBox);
const reference = new ReferenceFrontier(frontierBox, frontier, (path) =>
  client.request(path === undefined ? { op: 'frontierResults' } : { op: 'frontierResults', path }),
);
const jobs = new JobsList(jobsBox, client, (m) => say(m, true));

// ---- forms
const tabs = el('div', { class: 'tabs', role: 'tablist' });
const form = el('form', { novalidate: '' });
formBox.append(tabs, form);
let kind: FormKind = 'train';
const values = Object.fromEntries((Object.keys(FORMS) as FormKind[]).map((k) => [k, defaults(k)])) as Record<FormKind, Record<string, string>>;
/** "kind.field" of every field the user edited: prefills leave those alone. */
const touched = new Set<string>();

for (const k of Object.keys(FORMS) as FormKind[]) {
  const b = el('button', { type: 'button', role: 'tab', 'data-form': k }, FORMS[k].title);
  b.addEventListener('click', () => {
    kind = k;
    renderForm();
  });
  tabs.append(b);
}

function input(f: FieldSpec, v: string): HTMLElement {
  const id = `f-${f.name}`;
  if (f.type === 'select') {
    const s = el('select', { id, name: f.name }, ...(f.options ?? []).map((o) => el('option', { value: o }, o)));
    s.value = v;
    return s;
  }
  if (f.type === 'bool') {
    const c = el('input', { id, name: f.name, type: 'checkbox' });
    c.checked = v === 'true';
    return c;
  }
  const i = el('input', { id, name: f.name, type: 'text', spellcheck: 'false' });
  i.value = v;
  if (f.help) i.placeholder = f.help;
  return i;
}

function renderForm(errors: Record<string, string> = {}): void {
  for (const b of tabs.querySelectorAll('button')) b.setAttribute('aria-selected', String(b.dataset.form === kind));
  form.dataset.kind = kind;
  const v = values[kind];
  form.replaceChildren(
    ...activeFields(kind, v).map((f) => {
      const inp = input(f, v[f.name] ?? '');
      inp.addEventListener('change', () => {
        touched.add(`${kind}.${f.name}`);
        v[f.name] = inp instanceof HTMLInputElement && inp.type === 'checkbox' ? String(inp.checked) : (inp as HTMLInputElement).value;
        if (f.type === 'select') renderForm();
      });
      inp.addEventListener('input', () => {
        touched.add(`${kind}.${f.name}`);
        if (inp instanceof HTMLInputElement && inp.type !== 'checkbox') v[f.name] = inp.value;
      });
      const err = errors[f.name];
      if (err) inp.setAttribute('aria-invalid', 'true');
      return el(
        'label',
        { class: 'field', 'data-field': f.name },
        el('span', {}, f.label + (f.required ? ' *' : '')),
        inp,
        el('span', { class: 'error' }, err ?? ''),
      );
    }),
    el('button', { type: 'submit', class: 'primary' }, `Start ${FORMS[kind].title.toLowerCase()}`),
  );
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const r = validateForm(kind, values[kind]);
  if (!r.ok) {
    renderForm(r.errors);
    say(`Not started: ${Object.values(r.errors).join('; ')}`, true);
    return;
  }
  renderForm();
  startJob(r.spec);
});

function startJob(spec: JobSpec): void {
  say(`Starting ${spec.kind}…`);
  client
    .request<JobInfo>({ op: 'startJob', spec })
    .then((job) => {
      jobs.upsert(job);
      say(`Started ${spec.kind} ${job.id}`);
    })
    .catch((err: Error) => say(`startJob failed: ${err.message}`, true));
}

// ---- job stream
function onJobEvent(ev: JobEvent): void {
  if (ev.type === 'state') {
    jobs.upsert(ev.job);
    const pts = frontierPoints(ev.job);
    if (pts.length) frontier.setJobPoints(ev.job.id, pts);
  } else if (ev.type === 'progress') {
    // Every job kind reports `progress`; training jobs add `event` with their metrics.
    const target = jobs.get(ev.jobId)?.spec.train?.targetL0;
    if (ev.event) charts.add(ev.jobId, ev.event, typeof target === 'number' ? target : undefined);
    jobs.progress(ev.jobId, ev.progress.step, ev.progress.total);
  }
}

client.onPush((p) => {
  if (p.push === 'jobEvent') onJobEvent(p.event);
});
function prefill(p: Parameters<typeof applyPrefill>[2]): void {
  if (applyPrefill(values, touched, p).includes(kind)) renderForm();
}

client.onMessage((m) => {
  if (m.type === 'currentSae') frontier.setCurrent(m.path ?? undefined);
  else if (m.type === 'prefill') prefill(m.prefill);
});

function refresh(): void {
  // The forms start from what the daemon has loaded (also without the extension, e.g. in tests).
  client.request<StatusResult>({ op: 'status' }).then(
    (s) => prefill(prefillFromStatus(s)),
    () => undefined,
  );
  client
    .request<JobInfo[]>({ op: 'listJobs' })
    .then((list) => {
      for (const j of list) onJobEvent({ type: 'state', job: j });
    })
    .catch((e: Error) => say(`listJobs: ${e.message}`, true));
  void reference.show();
}

renderForm();
const LOST = 'The daemon is not reachable; reconnecting…';
client.onClose(() => say(LOST, true));
client.onOpen(() => {
  if (status.textContent === LOST || /not reachable/.test(status.textContent ?? '')) say('Connected to the daemon');
  refresh();
});
document.body.dataset.ready = 'true';
