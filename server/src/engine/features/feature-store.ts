// The feature store: what the feature browser and the hovers know about each SAE feature (density,
// max activation, activation histogram, top activating contexts, label). On disk it is one
// safetensors file (`feature_store.safetensors`, readable from Python with `safetensors`) whose
// per-feature tensors have the feature as their first axis, so a card is a few row reads; the small
// [d_sae] arrays load at open. Labels live beside it in `labels.json`, edited and saved atomically.
import { existsSync } from 'node:fs';
import { readJsonFile } from '../io/read-json';
import * as path from 'node:path';
import { writeJsonAtomic } from '../io/atomic-write';
import { readRowsF32, readSafetensorsHeader, readTensorF32, writeSafetensors, type StHeader } from '../io/safetensors';
import { HIST_BINS, HIST_LOG10_MAX, HIST_LOG10_MIN, type FeatureStatsResult } from './feature-stats';
import type { FeatureCardResult } from '../../../../protocol';

export const STORE_FILE = 'feature_store.safetensors';
export const LABELS_FILE = 'labels.json';
const FORMAT = 'jumplens-feature-store-v1';

export interface FeatureStoreMeta {
  format: typeof FORMAT;
  dSae: number;
  nTop: number;
  /** Tokens of context kept before / after each top token. */
  before: number;
  after: number;
  tokens: number;
  sae?: string;
  model?: string;
  hook?: string;
  corpus?: string;
  createdAt: string;
}

/** The wire card's statistics (hist: counts per log10 bin; edges are HIST_LOG10_MIN + i * (MAX - MIN) / BINS), with token ids instead of strings. */
export interface FeatureCard extends Pick<FeatureCardResult, 'id' | 'label' | 'density' | 'maxAct' | 'hist' | 'histLog10Range'> {
  /** Top activating contexts, strongest first: token ids (-1 = outside the sequence) and activations. */
  top: { value: number; tokens: number[]; acts: number[] }[];
}

export function saveFeatureStore(dir: string, stats: FeatureStatsResult, meta: Pick<FeatureStoreMeta, 'sae' | 'model' | 'hook' | 'corpus'>): string {
  const dSae = stats.maxAct.length;
  const nTop = stats.topValues.length / dSae;
  const density = Float32Array.from(stats.fireCount, (c) => (stats.tokens > 0 ? c / stats.tokens : 0));
  const full: FeatureStoreMeta = {
    format: FORMAT,
    dSae,
    nTop,
    before: stats.before,
    after: stats.after,
    tokens: stats.tokens,
    createdAt: new Date().toISOString(),
    ...meta,
  };
  const file = path.join(dir, STORE_FILE);
  writeSafetensors(
    file,
    {
      density: { data: density, shape: [dSae] },
      max_act: { data: stats.maxAct, shape: [dSae] },
      hist: { data: stats.hist, shape: [dSae, HIST_BINS] },
      top_values: { data: stats.topValues, shape: [dSae, nTop] },
      top_tokens: { data: stats.topTokens, shape: [dSae, nTop, stats.window] },
      top_acts: { data: stats.topActs, shape: [dSae, nTop, stats.window] },
    },
    { metadata: { jumplens: JSON.stringify(full) } },
  );
  return file;
}

export class FeatureStore {
  readonly meta: FeatureStoreMeta;
  /** [d_sae] fraction of tokens each feature fires on. */
  readonly density: Float32Array;
  /** [d_sae] largest activation seen. */
  readonly maxAct: Float32Array;
  private labels: Record<string, string>;
  /** With an overlay: the store's own labels (read-only) and the user's edits over them ("" = cleared). */
  private base: Record<string, string> = {};
  private edits: Record<string, string> = {};

  private constructor(
    readonly dir: string,
    private readonly header: StHeader,
    /** Where edited labels are saved when the store's folder may not be written (the bundled SAE's). */
    readonly labelsOverlay?: string,
  ) {
    const raw = header.metadata.jumplens;
    let meta: FeatureStoreMeta;
    try {
      meta = JSON.parse(raw ?? '');
    } catch {
      throw new Error(`${header.file}: not a JumpLens feature store (metadata "jumplens" missing or not JSON)`);
    }
    if (meta.format !== FORMAT) throw new Error(`${header.file}: unknown feature store format ${JSON.stringify(meta.format)} (expected ${FORMAT})`);
    this.meta = meta;
    const w = meta.before + 1 + meta.after;
    const expect: Record<string, number[]> = {
      density: [meta.dSae],
      max_act: [meta.dSae],
      hist: [meta.dSae, HIST_BINS],
      top_values: [meta.dSae, meta.nTop],
      top_tokens: [meta.dSae, meta.nTop, w],
      top_acts: [meta.dSae, meta.nTop, w],
    };
    for (const [name, shape] of Object.entries(expect)) {
      const e = header.entries.get(name);
      if (!e) throw new Error(`${header.file}: missing tensor ${name}`);
      if (e.shape.join(',') !== shape.join(',')) {
        throw new Error(`${header.file}: tensor ${name} has shape [${e.shape.join(', ')}], expected [${shape.join(', ')}]`);
      }
    }
    this.density = readTensorF32(header, 'density').data;
    this.maxAct = readTensorF32(header, 'max_act').data;
    this.labels = readLabels(path.join(dir, LABELS_FILE), this.meta.dSae);
    if (labelsOverlay) {
      this.base = this.labels;
      this.edits = readLabels(labelsOverlay, this.meta.dSae);
      this.labels = merged(this.base, this.edits);
    }
  }

  /**
   * Opens the store in `dir` (a folder holding feature_store.safetensors, usually `<sae>/features`).
   * `labelsOverlay`: a file edits go to instead of `<dir>/labels.json`, read over it.
   */
  static open(dir: string, opts: { labelsOverlay?: string } = {}): FeatureStore {
    return new FeatureStore(dir, readSafetensorsHeader(path.join(dir, STORE_FILE)), opts.labelsOverlay);
  }

  /** Saves `next` (every label) where this store's labels go: labels.json, or the overlay as edits over the store's own. */
  private saveLabels(next: Record<string, string>): void {
    if (this.labelsOverlay) {
      const edits: Record<string, string> = {};
      for (const k of new Set([...Object.keys(this.base), ...Object.keys(next)])) if ((this.base[k] ?? '') !== (next[k] ?? '')) edits[k] = next[k] ?? '';
      writeJsonAtomic(this.labelsOverlay, { format: 'jumplens-labels-v1', labels: edits });
      this.edits = edits;
    } else writeJsonAtomic(path.join(this.dir, LABELS_FILE), { format: 'jumplens-labels-v1', labels: next });
    this.labels = next;
  }

  static exists(dir: string): boolean {
    return existsSync(path.join(dir, STORE_FILE));
  }

  get dSae(): number {
    return this.meta.dSae;
  }

  label(id: number): string | undefined {
    return this.labels[String(id)];
  }

  card(id: number): FeatureCard {
    if (!Number.isInteger(id) || id < 0 || id >= this.dSae) throw new Error(`feature ${id} out of range: the store has ${this.dSae} features`);
    const { nTop } = this.meta;
    const w = this.meta.before + 1 + this.meta.after;
    const values = readRowsF32(this.header, 'top_values', id, 1).data;
    const tokens = readRowsF32(this.header, 'top_tokens', id, 1).data;
    const acts = readRowsF32(this.header, 'top_acts', id, 1).data;
    const top: FeatureCard['top'] = [];
    for (let k = 0; k < nTop; k++) {
      if (values[k] <= 0) break;
      top.push({ value: values[k], tokens: Array.from(tokens.subarray(k * w, (k + 1) * w)), acts: Array.from(acts.subarray(k * w, (k + 1) * w)) });
    }
    return {
      id,
      label: this.label(id),
      density: this.density[id],
      maxAct: this.maxAct[id],
      hist: Array.from(readRowsF32(this.header, 'hist', id, 1).data),
      histLog10Range: [HIST_LOG10_MIN, HIST_LOG10_MAX],
      top,
    };
  }

  /** Sets (or with an empty string, clears) a feature's label and saves labels.json atomically. */
  setLabel(id: number, label: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.dSae) throw new Error(`feature ${id} out of range: the store has ${this.dSae} features`);
    const next = { ...this.labels };
    if (label.trim()) next[String(id)] = label.trim();
    else delete next[String(id)];
    this.saveLabels(next);
  }

  /**
   * Imports labels from a Neuronpedia-style explanations export: a JSON array of objects with `index`
   * and `description` (or `explanation`), as Neuronpedia's explanation downloads are. Returns the count.
   */
  importNeuronpedia(file: string): number {
    // readJsonFile refuses FIFOs, devices and oversized files before reading.
    const rows = readJsonFile(file);
    const list = Array.isArray(rows) ? rows : (rows as { explanations?: unknown } | null)?.explanations;
    if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of {index, description}`);
    const next = { ...this.labels };
    let n = 0;
    for (const r of list as (Record<string, unknown> | null)[]) {
      if (typeof r !== 'object' || r === null) continue;
      const idx = Number(r.index);
      const text = typeof r.description === 'string' ? r.description : typeof r.explanation === 'string' ? r.explanation : undefined;
      if (!Number.isInteger(idx) || idx < 0 || idx >= this.dSae || !text) continue;
      next[String(idx)] = text.trim();
      n++;
    }
    this.saveLabels(next);
    return n;
  }
}

/**
 * labels.json, validated: an entry that is not `"<feature id in 0..dSae-1>": "<string>"` would break
 * every hover on that feature and the browser's search, so it is dropped with one warning naming
 * the file (the rest still load).
 */
export function readLabels(file: string, dSae: number): Record<string, string> {
  if (!existsSync(file)) return {};
  const j = readJsonFile(file);
  const labels = typeof j === 'object' && j !== null ? (j as { labels?: unknown }).labels : undefined;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new Error(`${file}: expected {"labels": {"<feature id>": "<label>"}}`);
  const out: Record<string, string> = {};
  const bad: string[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    const id = Number(k);
    if (typeof v === 'string' && Number.isInteger(id) && id >= 0 && id < dSae && String(id) === k) out[k] = v;
    else bad.push(k);
  }
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 5)
      .map((k) => JSON.stringify(k))
      .join(', ');
    console.warn(
      `${file}: dropped ${bad.length} bad label entr${bad.length === 1 ? 'y' : 'ies'} (${shown}${bad.length > 5 ? ', …' : ''}): each must be "<feature id 0..${dSae - 1}>": "<string>"`,
    );
  }
  return out;
}

/** Labels `base` with `edits` over it; an empty edit clears the label. */
function merged(base: Record<string, string>, edits: Record<string, string>): Record<string, string> {
  const out = { ...base, ...edits };
  for (const [k, v] of Object.entries(edits)) if (v === '') delete out[k];
  return out;
}
