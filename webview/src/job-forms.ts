// The job forms as data, and their validation: a pure module (no DOM) so it runs in the webview and
// in node tests alike. Defaults are the JumpReLU paper / Gemma Scope recipe (spec §2.2-2.3):
// Adam lr 7e-5, batch 4,096, θ₀ = ε = 0.001, λ = 6e-4 (Gemma Scope Fig. 4), all read from
// protocol/train.ts; widths and step counts sized for the small local models rather than Gemma.
import type { JobSpec, TrainConfig } from '../../protocol';
import {
  ARCHITECTURE_INFO as AI,
  ARCHITECTURES,
  RUN_SIZE_DEFAULTS as RUN,
  TRAIN_DEFAULTS as D,
  architecturesUsing as only,
  formatDefault as fmt,
} from '../../protocol/train';

export type FormKind = 'train' | 'finetune' | 'sweepThreshold' | 'featureStore';

export interface FieldSpec {
  name: string;
  label: string;
  type: 'int' | 'number' | 'text' | 'path' | 'select' | 'bool' | 'list';
  required?: boolean;
  /** Inclusive bounds; `gt` excludes the lower bound. */
  min?: number;
  max?: number;
  gt?: boolean;
  default: string;
  options?: string[];
  help?: string;
  /** Only shown/validated when this other field has this value. */
  when?: { field: string; is: string[] };
}

const ARCHS = [...ARCHITECTURES];

const data: FieldSpec[] = [
  { name: 'model', label: 'Model', type: 'path', required: true, default: '', help: 'llama2.c .bin or HF folder' },
  { name: 'hook', label: 'Hook', type: 'text', required: true, default: 'blocks.2.hook_resid_post' },
  { name: 'corpus', label: 'Corpus', type: 'path', default: '', help: "text/JSON/JSONL file or folder; empty: the daemon's bundled sample" },
];
const optim: FieldSpec[] = [
  { name: 'lr', label: 'Learning rate', type: 'number', min: 0, max: 1, gt: true, default: fmt(D.lr) },
  { name: 'batchSize', label: 'Batch (activations)', type: 'int', min: 1, max: 65536, default: fmt(D.batchSize) },
  { name: 'steps', label: 'Steps', type: 'int', min: 1, max: 1e9, default: fmt(RUN.form.steps) },
  { name: 'seed', label: 'Seed', type: 'int', min: 0, max: 2 ** 31 - 1, default: fmt(D.seed) },
];

export const FORMS: Record<FormKind, { title: string; fields: FieldSpec[] }> = {
  train: {
    title: 'Train',
    fields: [
      { name: 'architecture', label: 'Architecture', type: 'select', options: ARCHS, default: 'jumprelu' },
      ...data,
      { name: 'd_sae', label: 'Width (d_sae)', type: 'int', min: 1, max: 2 ** 24, default: fmt(RUN.form.d_sae) },
      {
        name: 'l0Coefficient',
        label: 'λ (L0 coefficient)',
        type: 'number',
        min: 0,
        max: 1e6,
        default: fmt(AI.jumprelu.sparsityCoefficient),
        when: { field: 'architecture', is: only('l0Coefficient') },
      },
      {
        name: 'targetL0',
        label: 'Target L0 (plotted)',
        type: 'number',
        min: 0,
        max: 1e6,
        gt: true,
        default: '',
        when: { field: 'architecture', is: only('targetL0') },
      },
      {
        name: 'l1Coefficient',
        label: 'L1 coefficient',
        type: 'number',
        min: 0,
        max: 1e6,
        default: fmt(AI.standard.sparsityCoefficient),
        when: { field: 'architecture', is: only('l1Coefficient') },
      },
      { name: 'k', label: 'k', type: 'int', min: 1, max: 65536, default: fmt(D.k), when: { field: 'architecture', is: only('k') } },
      {
        name: 'initThreshold',
        label: 'θ₀',
        type: 'number',
        min: 0,
        max: 1e3,
        gt: true,
        default: '',
        help: 'empty: per latent from the first batch',
        when: { field: 'architecture', is: only('initThreshold') },
      },
      {
        name: 'bandwidth',
        label: 'STE bandwidth ε',
        type: 'number',
        min: 0,
        max: 1e3,
        gt: true,
        default: '',
        help: 'empty: from the first batch',
        when: { field: 'architecture', is: only('bandwidth') },
      },
      ...optim,
      { name: 'out', label: 'Output folder', type: 'path', default: '', help: "empty: the job's run folder" },
    ],
  },
  finetune: {
    title: 'Fine-tune',
    fields: [
      { name: 'initFrom', label: 'SAE to fine-tune', type: 'path', required: true, default: '' },
      { name: 'thresholdsOnly', label: 'Thresholds only (θ)', type: 'bool', default: 'true' },
      ...data,
      { name: 'l0Coefficient', label: 'λ (L0 coefficient)', type: 'number', min: 0, max: 1e6, default: fmt(AI.jumprelu.sparsityCoefficient) },
      ...optim.map((f) => (f.name === 'steps' ? { ...f, default: fmt(RUN.form.finetuneSteps) } : f)),
      { name: 'out', label: 'Output folder', type: 'path', default: '', help: "empty: the job's run folder" },
    ],
  },
  sweepThreshold: {
    title: 'Threshold sweep',
    fields: [
      { name: 'sae', label: 'JumpReLU SAE', type: 'path', required: true, default: '' },
      { name: 'model', label: 'Model', type: 'path', required: true, default: '' },
      { name: 'corpus', label: 'Corpus', type: 'path', default: '', help: "empty: the daemon's bundled sample" },
      { name: 'scales', label: 'θ scales', type: 'list', min: 0, max: 1e3, gt: true, default: '0.5, 0.75, 1, 1.5, 2, 3', help: 'comma-separated, each > 0' },
      { name: 'tokens', label: 'Eval tokens', type: 'int', min: 1, max: 1e9, default: '20000' },
    ],
  },
  featureStore: {
    title: 'Feature store',
    fields: [
      { name: 'sae', label: 'SAE', type: 'path', required: true, default: '', help: 'the store is written to <sae>/features' },
      { name: 'model', label: 'Model', type: 'path', required: true, default: '' },
      { name: 'corpus', label: 'Corpus', type: 'path', default: '', help: "folder or text/JSON file; empty: the daemon's bundled sample" },
      { name: 'tokens', label: 'Tokens', type: 'int', min: 1, max: 1e10, default: '100000' },
    ],
  },
};

export function defaults(kind: FormKind): Record<string, string> {
  return Object.fromEntries(FORMS[kind].fields.map((f) => [f.name, f.default]));
}

export function activeFields(kind: FormKind, values: Record<string, string>): FieldSpec[] {
  return FORMS[kind].fields.filter((f) => !f.when || f.when.is.includes(values[f.when.field] ?? ''));
}

function checkNumber(f: FieldSpec, raw: string): { v?: number; err?: string } {
  const s = raw.trim();
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return { err: `${f.label} must be a number` };
  const v = Number(s);
  if (f.type === 'int' && !Number.isInteger(v)) return { err: `${f.label} must be a whole number` };
  if (f.min !== undefined && (f.gt ? v <= f.min : v < f.min)) return { err: `${f.label} must be ${f.gt ? '>' : '≥'} ${f.min}` };
  if (f.max !== undefined && v > f.max) return { err: `${f.label} must be ≤ ${f.max}` };
  return { v };
}

/** Validates a form's values; returns the JobSpec to send, or per-field errors (nothing is sent then). */
export function validateForm(kind: FormKind, values: Record<string, string>): { ok: true; spec: JobSpec } | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const out: Record<string, unknown> = {};
  for (const f of activeFields(kind, values)) {
    const raw = values[f.name] ?? '';
    if (raw.trim() === '') {
      if (f.required) errors[f.name] = `${f.label} is required`;
      continue;
    }
    switch (f.type) {
      case 'int':
      case 'number': {
        const r = checkNumber(f, raw);
        if (r.err) errors[f.name] = r.err;
        else out[f.name] = r.v;
        break;
      }
      case 'list': {
        const parts = raw.split(/[,\s]+/).filter(Boolean);
        const vs: number[] = [];
        for (const p of parts) {
          const r = checkNumber({ ...f, label: `each of ${f.label}` }, p);
          if (r.err) {
            errors[f.name] = `${r.err} (got "${p}")`;
            break;
          }
          vs.push(r.v!);
        }
        if (!errors[f.name]) out[f.name] = vs;
        break;
      }
      case 'select':
        if (!f.options?.includes(raw)) errors[f.name] = `${f.label} must be one of ${f.options?.join(', ')}`;
        else out[f.name] = raw;
        break;
      case 'bool':
        out[f.name] = raw === 'true';
        break;
      case 'path':
        if (/[\0\n]/.test(raw)) errors[f.name] = `${f.label} is not a valid path`;
        else out[f.name] = raw.trim();
        break;
      default:
        out[f.name] = raw.trim();
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (kind === 'sweepThreshold' || kind === 'featureStore') {
    const spec: JobSpec = { kind, sae: out.sae as string, model: out.model as string, corpus: out.corpus as string, tokens: out.tokens as number };
    if (kind === 'sweepThreshold') spec.scales = out.scales as number[];
    return { ok: true, spec };
  }
  if (kind === 'finetune') out.architecture = 'jumprelu';
  return { ok: true, spec: { kind, train: out as Partial<TrainConfig> } };
}
