// Per-document analysis state: the document's prompts (one for a plain document, one per `---`
// section of a `.jlp` file), each with its own KV cache from BOS, and the flat list of analysed
// tokens in document offsets that tokenFeatures, hovers, inlay hints and Focus Feature read. An edit
// re-runs the model only in the prompts whose ids changed, from the first changed id; changed
// interventions (`@steer`, `@ablate`) re-run every prompt, as a changed top-k does.
import type { TokenSpan } from '../engine/lm/types';
import type { Intervention } from '../engine/steer/types';
import type { FeatureActivation, Position, TokenFeatures, TokenFeaturesParams } from '../../../protocol';
import type { Engine } from '../session/engine-session';
import { chunkBounds, planAnalysis } from './analysis-plan';
import { featureColumn } from './feature-column';
import { PromptAnalysis, denseKeepMask, type TokenState } from './prompt-analysis';
import type { PromptSegment } from './prompt-file';

export interface AnalyzeInput {
  /** The document's prompts in order (see prompt-file.ts). */
  segments: PromptSegment[];
  /** Encode each prompt from BOS (when the tokenizer has one). */
  bos: boolean;
  version: number;
  topK: number;
  maxTokens: number;
  /** Interventions applied at the hook at every non-BOS position (checked against the SAE); none = clean. */
  steer?: readonly Intervention[];
  /** Document offset (UTF-16) of the first changed character, or the middle of the view; its unit is analysed first. */
  focus?: number;
  /** Document offsets [start, end) the editor shows, when known: covered next, before other units. */
  view?: [number, number];
  positionAt(offset: number): Position;
  signal?: AbortSignal;
}

export type AnalysisResult = Omit<TokenFeaturesParams, 'uri' | 'latencyMs'>;

/** A prompt's tokens, spans in document offsets, BOS (if any) first. */
interface Tokenised {
  spans: TokenSpan[];
  bos: number;
}

/** What one model call analyses: a prompt, or one chunk of a prompt longer than the context. */
interface Unit extends Tokenised {
  prompt: number;
  chunk: number;
  chunks: number;
}

export class DocumentAnalysis {
  private prompts: PromptAnalysis[] = [];
  private topK = 0;
  private steerKey = '[]';
  /** The interventions the prompts' states were computed with. */
  steer: readonly Intervention[] = [];
  /** The dense mask the prompts' states were ranked with: a new store or threshold re-ranks. */
  private keep?: Float32Array;
  private lastFocus?: number;
  /** Analysed body tokens (no BOS) of the last completed analysis, in document order, and their states. */
  private spans: TokenSpan[] = [];
  private states: TokenState[] = [];
  /** Per analysed body token: the prompt state holding it and its position there (BOS = 0). */
  private owners: { pa: PromptAnalysis; pos: number }[] = [];
  /** The ids (BOS first) of each unit the last completed analysis ran, in document order: `spans` is their bodies. */
  private runIds: { ids: number[]; bos: number }[] = [];
  /** Each prompt's tokens (prompt offsets) by text, from the last update: unchanged prompts are not re-tokenised. */
  private tokenCache = new Map<string, TokenSpan[]>();
  last?: AnalysisResult;

  constructor(readonly engine: Engine) {}

  /**
   * Analyses the document; returns undefined when `signal` aborted it before its model work was
   * done (state stays consistent). Aborted later, the finished result is returned: the caller
   * decides whether the newer text leaves it valid.
   */
  async update(inp: AnalyzeInput): Promise<AnalysisResult | undefined> {
    const { model } = this.engine;
    const keep = denseKeepMask(this.engine);
    const steer = inp.steer ?? [];
    const steerKey = JSON.stringify(steer.map((iv) => [iv.feature, iv.mode, iv.value ?? null]));
    if (inp.topK !== this.topK || keep !== this.keep || steerKey !== this.steerKey) {
      this.disposePrompts();
      this.topK = inp.topK;
      this.keep = keep;
      this.steerKey = steerKey;
      this.steer = steer;
    }
    const cache = new Map<string, TokenSpan[]>();
    // Tokenising an 80K-char prompt takes ~100 ms: the async path yields so the event loop never stalls.
    const tok = this.engine.model.tokenizer;
    const toks: ReturnType<typeof toDocument>[] = [];
    for (const seg of inp.segments) {
      const key = `${inp.bos ? 1 : 0}${seg.text}`;
      let raw = cache.get(key) ?? this.tokenCache.get(key);
      if (!raw) {
        raw = tok.encodeAsync ? await tok.encodeAsync(seg.text, { bos: inp.bos }) : tok.encode(seg.text, { bos: inp.bos });
        if (inp.signal?.aborted) return undefined;
      }
      cache.set(key, raw);
      toks.push(toDocument(this.engine, seg, raw));
    }
    this.tokenCache = cache;
    if (toks.length === 0) {
      // Nothing but comments and directives: no caches worth keeping.
      this.disposePrompts();
      this.owners = [];
      return this.finish(inp, [], [], [], 0, 0, undefined);
    }

    // Units: each prompt, or each context-sized chunk of a prompt too long for the model.
    const bos = toks[0].bos;
    const perChunk = Math.max(1, Math.min(inp.maxTokens, model.config.maxSeqLen) - bos);
    const units: Unit[] = [];
    toks.forEach((t, prompt) => {
      const head = t.spans.slice(0, t.bos);
      const body = t.spans.slice(t.bos);
      const bounds = chunkBounds(body.length, perChunk);
      bounds.forEach(([a, b], chunk) => units.push({ spans: [...head, ...body.slice(a, b)], bos: t.bos, prompt, chunk, chunks: bounds.length }));
    });
    const focus = inp.focus ?? this.lastFocus ?? 0;
    this.lastFocus = focus;
    const endOf = (u: Unit) => u.spans[u.spans.length - 1].end;
    const startOf = (u: Unit) => u.spans[u.bos]?.start ?? endOf(u);
    let fu = units.findIndex((u) => endOf(u) >= focus);
    if (fu < 0) fu = units.length - 1;
    let want: [number, number] | undefined;
    if (inp.view) {
      const [lo, hi] = inp.view;
      const a = units.findIndex((u) => endOf(u) > lo);
      let b = units.length - 1;
      while (b >= 0 && startOf(units[b]) >= hi) b--;
      if (a >= 0 && a <= fu && fu <= b) want = [a, b];
    }
    const plan = planAnalysis({ lengths: units.map((u) => u.spans.length - u.bos), bos, focus: fu, want, total: inp.maxTokens });
    const runs = units.slice(plan.first, plan.last + 1);

    // Each run reuses the old prompt state that shares the longest prefix with it (an edit in one
    // prompt, or a `---` added or removed, leaves the other prompts' caches intact).
    const free = new Set(this.prompts);
    const assigned = runs.map((r) => {
      const ids = r.spans.map((s) => s.id);
      let best: PromptAnalysis | undefined;
      let bestLen = 0;
      for (const pa of free) {
        const n = pa.commonPrefix(ids);
        if (n > bestLen) [best, bestLen] = [pa, n];
      }
      if (best) free.delete(best);
      return { ids, pa: best ?? new PromptAnalysis(this.engine, this.steer) };
    });
    for (const pa of free) pa.dispose();
    this.prompts = assigned.map((a) => a.pa);

    // Flat index (over body tokens) of the first recomputed token, and how many were recomputed.
    let flat = 0;
    let recomputedFrom: number | undefined;
    let recomputed = 0;
    for (let i = 0; i < runs.length; i++) {
      const p = await assigned[i].pa.update(assigned[i].ids, inp.topK, inp.signal);
      if (p === undefined) return undefined;
      const b = runs[i].bos;
      const n = runs[i].spans.length - b;
      const from = Math.max(0, p - b);
      if (from < n) {
        recomputedFrom ??= flat + from;
        recomputed += n - from;
      }
      flat += n;
    }

    const spans: TokenSpan[] = [];
    const states: TokenState[] = [];
    const owners: { pa: PromptAnalysis; pos: number }[] = [];
    runs.forEach((r, i) => {
      const pa = assigned[i].pa;
      spans.push(...r.spans.slice(r.bos));
      states.push(...pa.states.slice(r.bos));
      for (let pos = r.bos; pos < r.spans.length; pos++) owners.push({ pa, pos });
    });
    const partial = this.partialOf(inp, units, runs, spans, perChunk);
    this.owners = owners;
    const runIds = runs.map((r, i) => ({ ids: assigned[i].ids, bos: r.bos }));
    return this.finish(inp, spans, states, runIds, recomputedFrom ?? flat, recomputed, partial);
  }

  private partialOf(inp: AnalyzeInput, units: Unit[], runs: Unit[], spans: TokenSpan[], perChunk: number): AnalysisResult['partial'] {
    const total = units.reduce((a, u) => a + u.spans.length - u.bos, 0);
    if (spans.length === total || spans.length === 0) return undefined;
    const nPrompts = units[units.length - 1].prompt + 1;
    const first = runs[0];
    const last = runs[runs.length - 1];
    const parts = [];
    if (nPrompts > 1) parts.push(`prompts ${first.prompt + 1}..${last.prompt + 1} of ${nPrompts}`);
    for (const u of first === last ? [first] : [first, last]) {
      if (u.chunks === 1) continue;
      const mine = runs.filter((r) => r.prompt === u.prompt);
      const note = `chunks ${mine[0].chunk + 1}..${mine[mine.length - 1].chunk + 1} of ${u.chunks} of prompt ${u.prompt + 1}`;
      if (!parts.includes(note)) parts.push(note);
    }
    return {
      range: { start: inp.positionAt(spans[0].start), end: inp.positionAt(spans[spans.length - 1].end) },
      reason:
        `document has ${total} tokens, more than the limit of ${inp.maxTokens} (jumplens.maxTokens); prompts longer than the model's ` +
        `context (${this.engine.model.config.maxSeqLen}) run in chunks of ${perChunk} tokens, each from BOS: analysed ${parts.join(', ')} around the edit or view`,
    };
  }

  private finish(
    inp: AnalyzeInput,
    spans: TokenSpan[],
    states: TokenState[],
    runIds: { ids: number[]; bos: number }[],
    recomputedFrom: number,
    recomputed: number,
    partial: AnalysisResult['partial'],
  ): AnalysisResult {
    this.spans = spans;
    this.states = states;
    this.runIds = runIds;
    const relativeTo = this.engine.store ? 'store' : 'document';
    this.last = { version: inp.version, recomputedFrom, recomputed, tokens: this.tokenFeatures(inp.positionAt), partial, relativeTo };
    return this.last;
  }

  /**
   * [last.tokens.length] feature `feature`'s own activation on each token of the last analysis,
   * dense or not, ranked or not (Focus Feature); undefined when `signal` aborted it.
   */
  async featureActs(feature: number, signal?: AbortSignal): Promise<Float32Array | undefined> {
    // A newer analysis may land while this runs: read the runs this `last` came from.
    const runs = this.runIds;
    const out = new Float32Array(runs.reduce((a, r) => a + r.ids.length - r.bos, 0));
    let o = 0;
    for (const r of runs) {
      const col = await featureColumn(this.engine, r.ids, feature, signal);
      if (!col) return undefined;
      out.set(col.subarray(r.bos), o);
      o += col.length - r.bos;
    }
    return out;
  }

  /** Index into `last.tokens` of the token containing document offset `off`, or -1. */
  tokenAt(off: number): number {
    const i = this.spans.findIndex((s) => off >= s.start && off < s.end);
    // The cursor right after a prompt's last character hovers that token.
    return i >= 0 ? i : this.spans.findIndex((s) => off === s.end);
  }

  /**
   * Token i of `last.tokens` in a steered analysis: the ids the model read through it (from BOS),
   * its position in them, and each intervention's clean activation there; undefined when unsteered.
   */
  steeredAt(i: number): { ids: number[]; position: number; clean: number[] } | undefined {
    const st = this.states[i];
    const o = this.owners[i];
    if (!st?.clean || !o) return undefined;
    return { ids: o.pa.idsThrough(o.pos), position: o.pos, clean: st.clean };
  }

  /**
   * The TokenFeatures last built from each state, with the scales and labels it used: typing at the
   * end leaves every earlier state as it was, and rebuilding (rounding, labels, objects) all of a
   * long document's tokens per keystroke was most of the daemon's time outside the model.
   */
  private built = new WeakMap<TokenState, BuiltToken>();

  private tokenFeatures(positionAt: (o: number) => Position): TokenFeatures[] {
    const scale = this.scales();
    const store = this.engine.store;
    return this.spans.map((s, i): TokenFeatures => {
      const st = this.states[i];
      const start = positionAt(s.start);
      const end = positionAt(s.end);
      const hit = this.built.get(st);
      if (hit && reusable(hit, s, start, end, st, scale, store)) return hit.tf;
      const scales = st.top.map((f) => scale(f.id));
      const labels = st.top.map((f) => store?.label(f.id));
      const top: FeatureActivation[] = st.top.map((f, j) => {
        const sc = scales[j];
        const label = labels[j];
        return { id: f.id, act: round(f.act), rel: sc > 0 ? round(f.act / sc) : 0, ...(label ? { label } : {}) };
      });
      const tf: TokenFeatures = {
        range: { start, end },
        id: s.id,
        text: s.text,
        max: top[0]?.act ?? 0,
        rel: top[0]?.rel ?? 0,
        l0: st.l0,
        top,
        ...(st.hidden > 0 ? { hidden: st.hidden } : {}),
      };
      this.built.set(st, { tf, scales, labels });
      return tf;
    });
  }

  /** Each feature's scale: the store's max activation, else the largest in the analysed document. */
  private scales(): (id: number) => number {
    const store = this.engine.store;
    if (store) return (id) => store.maxAct[id] ?? 0;
    const m = new Map<number, number>();
    for (const st of this.states) for (const f of st.top) m.set(f.id, Math.max(m.get(f.id) ?? 0, f.act));
    return (id) => m.get(id) ?? 0;
  }

  private disposePrompts(): void {
    for (const p of this.prompts) p.dispose();
    this.prompts = [];
  }

  dispose(): void {
    this.disposePrompts();
    this.spans = [];
    this.states = [];
    this.owners = [];
    this.runIds = [];
  }
}

/** A state's TokenFeatures and the feature scales and labels it was built with. */
interface BuiltToken {
  tf: TokenFeatures;
  scales: number[];
  labels: (string | undefined)[];
}

/** Whether `hit`, built from `st`, still describes it at span `s` with these positions, scales and labels. */
function reusable(
  hit: BuiltToken,
  s: TokenSpan,
  start: Position,
  end: Position,
  st: TokenState,
  scale: (id: number) => number,
  store: Engine['store'],
): boolean {
  const r = hit.tf.range;
  if (hit.tf.id !== s.id || hit.tf.text !== s.text) return false;
  if (r.start.line !== start.line || r.start.character !== start.character || r.end.line !== end.line || r.end.character !== end.character) return false;
  for (let j = 0; j < st.top.length; j++) {
    const id = st.top[j].id;
    if (hit.scales[j] !== scale(id) || hit.labels[j] !== store?.label(id)) return false;
  }
  return true;
}

/**
 * Activations to 5 significant digits: the hover shows 3 decimals, and full doubles made a
 * 950-token file's tokenFeatures 440 kB per keystroke.
 */
export function round(x: number): number {
  return Number(x.toPrecision(5));
}

/** Moves one prompt's token spans into document offsets; BOS sits at the prompt's start. */
function toDocument(engine: Engine, seg: PromptSegment, raw: TokenSpan[]): Tokenised {
  const tok = engine.model.tokenizer;
  const hasBos = raw.length > 0 && tok.bosId !== undefined && raw[0].id === tok.bosId && raw[0].end === 0;
  const spans = raw.map((s) => {
    const [start, end] = seg.toDoc(s.start, s.end);
    return { ...s, start, end };
  });
  return { spans, bos: hasBos ? 1 : 0 };
}
