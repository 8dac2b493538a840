// One prompt's analysed tokens: the KV cache that holds them (from BOS), their ids and each token's
// top features. An update re-runs the model only from the first id that changed, so typing at the
// end of a prompt costs one or two positions.
import { tf, type Tensor2D } from '../engine/tf';
import type { KvCache } from '../engine/lm/types';
import { encodeTopK } from '../engine/native/encode-topk';
import type { Engine } from '../session/engine-session';

/** Positions run per model call; cancellation is checked between chunks. */
const CHUNK = 64;

export interface TokenState {
  l0: number;
  /** Strongest first, only features that fire (dense ones left out). */
  top: { id: number; act: number }[];
  /** Dense features firing here, left out of `top`. */
  hidden: number;
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

  constructor(private readonly engine: Engine) {}

  /** Length of the prefix of `ids` this prompt already holds. */
  commonPrefix(ids: readonly number[]): number {
    const n = Math.min(this.ids.length, ids.length);
    let p = 0;
    while (p < n && this.ids[p] === ids[p]) p++;
    return p;
  }

  /**
   * Brings the cache and states to `ids`. Returns the first position recomputed (ids.length when
   * nothing was), or undefined when `signal` aborted it; the state stays consistent either way.
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
          const t = await encodeTopK(sae, x, topK, denseKeepMask(this.engine));
          for (let r = 0; r < t.n; r++) {
            const top: TokenState['top'] = [];
            for (let j = 0; j < t.k; j++) {
              const v = t.values[r * t.k + j];
              if (v > 0) top.push({ id: t.indices[r * t.k + j], act: v });
            }
            this.states.push({ l0: t.l0[r], top, hidden: t.hidden?.[r] ?? 0 });
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
    return signal?.aborted ? undefined : p;
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
