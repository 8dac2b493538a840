// One prompt's analysed tokens: the KV cache that holds them (from BOS), their ids and each token's
// top features. An update re-runs the model only from the first id that changed, so typing at the
// end of a prompt costs one or two positions. With interventions (a `.jlp` file's @steer/@ablate)
// the features are the steered model's at the hook (engine/steer/steered-encode.ts): ranked, coloured
// and counted in L0 after the interventions, and each steered token keeps its clean values of them.
import { tf, type Tensor2D } from '../engine/tf';
import type { KvCache } from '../engine/lm/types';
import { encodeTopK } from '../engine/native/encode-topk';
import { sparseTopK } from '../engine/sae/sparse-topk';
import { encodeSteered } from '../engine/steer/steered-encode';
import type { Intervention } from '../engine/steer/types';
import type { Engine } from '../session/engine-session';

/** Positions run per model call; cancellation is checked between chunks. */
const CHUNK = 64;

export interface TokenState {
  l0: number;
  /** Strongest first, only features that fire (dense ones left out). */
  top: { id: number; act: number }[];
  /** Dense features firing here, left out of `top`. */
  hidden: number;
  /** Steered tokens only (not BOS): each intervention's clean activation here, in the file's order. */
  clean?: number[];
}

/** Per store and threshold: [d_sae] 1 = rank, 0 = dense (left out of colouring and ranking). */
const keepMasks = new WeakMap<object, { threshold: number; keep: Float32Array | undefined }>();

/** The engine's dense-feature mask, or undefined when there is no store or nothing is dense. */
export function denseKeepMask(engine: Engine): Float32Array | undefined {
  const store = engine.store;
  if (!store) return undefined;
  const threshold = engine.denseThreshold;
  const hit = keepMasks.get(store);
  if (hit && hit.threshold === threshold) return hit.keep;
  const keep = Float32Array.from(store.density, (d) => (d > threshold ? 0 : 1));
  const entry = { threshold, keep: keep.includes(0) ? keep : undefined };
  keepMasks.set(store, entry);
  return entry.keep;
}

export class PromptAnalysis {
  private cache?: KvCache;
  /** Ids the cache holds, position 0 first. */
  private ids: number[] = [];
  /** One per cached position. */
  readonly states: TokenState[] = [];

  /** `steer`: the file's interventions (checked against the SAE), applied at every position after a leading BOS. */
  constructor(
    private readonly engine: Engine,
    private readonly steer: readonly Intervention[] = [],
  ) {}

  /** The ids through `pos` (what the model saw up to that token). */
  idsThrough(pos: number): number[] {
    return this.ids.slice(0, pos + 1);
  }

  /** Length of the prefix of `ids` this prompt already holds. */
  commonPrefix(ids: readonly number[]): number {
    const n = Math.min(this.ids.length, ids.length);
    let p = 0;
    while (p < n && this.ids[p] === ids[p]) p++;
    return p;
  }

  /**
   * Brings the cache and states to `ids`. Returns the first position recomputed (ids.length when
   * nothing was), or undefined when `signal` aborted it before its last chunk ran; the state stays
   * consistent either way.
   */
  async update(ids: readonly number[], topK: number, signal?: AbortSignal): Promise<number | undefined> {
    const { model, sae, hook } = this.engine;
    const p = this.commonPrefix(ids);
    this.truncate(p);
    for (let s = p; s < ids.length; s += CHUNK) {
      if (signal?.aborted) return undefined;
      const e = Math.min(ids.length, s + CHUNK);
      if (sae) {
        const { act, cache } = model.runToHookCached(ids.slice(0, e), hook, this.cache);
        this.cache = cache;
        let x: Tensor2D | undefined;
        try {
          // act: [1, e - s, d_model] -> x: [e - s, d_model] -> top-k of f: [e - s, d_sae]
          x = tf.reshape(act, [e - s, model.config.dModel]) as Tensor2D;
          const { t, clean } = await this.encode(x, topK, s, ids[0]);
          const m = this.steer.length;
          for (let r = 0; r < t.n; r++) {
            const top: TokenState['top'] = [];
            for (let j = 0; j < t.k; j++) {
              const v = t.values[r * t.k + j];
              if (v > 0) top.push({ id: t.indices[r * t.k + j], act: v });
            }
            const st: TokenState = { l0: t.l0[r], top, hidden: t.hidden?.[r] ?? 0 };
            if (clean && s + r >= this.firstSteered(ids[0])) st.clean = Array.from(clean.subarray(r * m, (r + 1) * m));
            this.states.push(st);
          }
        } finally {
          act.dispose();
          x?.dispose();
        }
      } else {
        for (let r = s; r < e; r++) this.states.push({ l0: 0, top: [], hidden: 0 });
      }
      this.ids = ids.slice(0, e);
      // Let newer messages (a newer version, a hover) in between chunks.
      await new Promise((r) => setImmediate(r));
    }
    // Aborted after the last chunk ran: the work is done, and the caller may still publish it (a
    // newer edit that lies after these tokens leaves them valid).
    return p;
  }

  /** A leading BOS is never steered (splice.ts's steerStart). */
  private firstSteered(first: number | undefined): number {
    const bos = this.engine.model.tokenizer.bosId;
    return bos !== undefined && first === bos ? 1 : 0;
  }

  /** x: [n, d_model] at positions s.. -> each row's top-k (steered when the file steers) and the clean values [n * steer.length]. */
  private async encode(x: Tensor2D, topK: number, s: number, first: number | undefined) {
    const sae = this.engine.sae!;
    const keep = denseKeepMask(this.engine);
    if (this.steer.length === 0) return { t: await encodeTopK(sae, x, topK, keep), clean: undefined };
    const { f, clean } = encodeSteered(sae, x, [...this.steer], this.firstSteered(first) - s);
    try {
      return { t: await sparseTopK(f, topK, keep), clean };
    } finally {
      f.dispose();
    }
  }

  private truncate(p: number): void {
    this.cache?.truncate(p);
    this.ids.length = p;
    this.states.length = p;
  }

  dispose(): void {
    this.cache?.dispose();
    this.cache = undefined;
    this.ids = [];
    this.states.length = 0;
  }
}
