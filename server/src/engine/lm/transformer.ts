// The hook-point machinery every decoder shares: one residual-stream loop with the five
// TransformerLens sites, early stop after the hook's layer, activation replacement, and the KV
// cache for incremental runs. Architectures supply embedding, attention, MLP and head.
import { tf, type Tensor, type Tensor2D, type Tensor3D } from '../tf';
import { allHookNames, parseHook, type HookPoint } from './hooks';
import type { ActivationFn, KvCache, LanguageModel, LmConfig, Tokenizer } from './types';

/** Per-call attention context: cache position and where new keys/values go. */
export interface AttnContext {
  pos0: number;
  /** Cached keys/values per layer: [1, kvh, pos0, hd]. */
  past?: ({ k: tf.Tensor4D; v: tf.Tensor4D } | undefined)[];
  /** When set, attention stores its full keys/values (past + new) here per layer. */
  collect?: { k: tf.Tensor4D; v: tf.Tensor4D }[];
}

/** Joins cached and new keys/values and records them when the call collects a cache. */
export function withCache(ctx: AttnContext, layer: number, k: tf.Tensor4D, v: tf.Tensor4D): { k: tf.Tensor4D; v: tf.Tensor4D } {
  const past = ctx.past?.[layer];
  const kAll = past ? (tf.concat([past.k, k], 2) as tf.Tensor4D) : k;
  const vAll = past ? (tf.concat([past.v, v], 2) as tf.Tensor4D) : v;
  if (ctx.collect) ctx.collect[layer] = { k: kAll, v: vAll };
  return { k: kAll, v: vAll };
}

class LayerKvCache implements KvCache {
  layers: { k: tf.Tensor4D; v: tf.Tensor4D }[] = [];
  private len = 0;
  constructor(readonly owner: object) {}
  get length(): number {
    return this.len;
  }
  set(layers: { k: tf.Tensor4D; v: tf.Tensor4D }[], len: number): void {
    // keep(): a caller may run us inside its own tf.tidy; the cache must outlive that scope.
    for (const { k, v } of layers) tf.keep(k), tf.keep(v);
    this.disposeLayers();
    this.layers = layers;
    this.len = len;
  }
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0) throw new Error(`KvCache.truncate: length ${length} must be a non-negative integer`);
    if (length >= this.len) return;
    const next = this.layers.map(({ k, v }) => ({
      k: tf.slice(k, [0, 0, 0, 0], [-1, -1, length, -1]) as tf.Tensor4D,
      v: tf.slice(v, [0, 0, 0, 0], [-1, -1, length, -1]) as tf.Tensor4D,
    }));
    this.set(length === 0 ? (next.forEach((t) => tf.dispose([t.k, t.v])), []) : next, length);
  }
  private disposeLayers(): void {
    for (const { k, v } of this.layers) tf.dispose([k, v]);
    this.layers = [];
  }
  dispose(): void {
    this.disposeLayers();
    this.len = 0;
  }
}

interface RunOptions {
  stop?: HookPoint;
  replace?: { hook: HookPoint; fn: ActivationFn };
  ctx: AttnContext;
}

export abstract class TransformerModel implements LanguageModel {
  abstract readonly config: LmConfig;
  abstract readonly tokenizer: Tokenizer;
  /** Every weight tensor, for dispose(). */
  protected abstract params(): Tensor[];
  /** ids -> token embedding [b, s, d], the value at hook_embed. */
  protected abstract embedTokens(ids: number[][]): Tensor3D;
  /** hook_embed -> the residual entering block 0 (GPT-2 adds positions here). */
  protected addPositions(x: Tensor3D, _pos0: number): Tensor3D {
    return x;
  }
  /** Residual -> what the attention sub-block adds to it (hook_attn_out). */
  protected abstract attn(layer: number, x: Tensor3D, ctx: AttnContext): Tensor3D;
  /** Residual after attention -> what the MLP sub-block adds (hook_mlp_out). */
  protected abstract mlp(layer: number, x: Tensor3D): Tensor3D;
  /** Final residual -> logits. */
  protected abstract head(x: Tensor3D): Tensor3D;
  /**
   * Residual-stream directions read straight through the unembedding, dirs: [n, d] -> [n, vocab]:
   * W_U with the final norm's gain folded in (and LayerNorm's centring), as TransformerLens's
   * fold_ln gives sae_vis; no per-vector normalising division, no bias, no soft-cap.
   */
  abstract directLogits(dirs: Tensor2D): Tensor2D;

  hookNames(): string[] {
    return allHookNames(this.config.nLayers);
  }

  private checkIds(ids: number[][], pos0 = 0): void {
    if (ids.length === 0 || ids[0].length === 0) throw new Error(`${this.config.name}: empty input (need at least one token)`);
    const s = ids[0].length;
    if (ids.some((r) => r.length !== s)) throw new Error(`${this.config.name}: batch rows have different lengths; pad them to equal length`);
    if (pos0 + s > this.config.maxSeqLen) {
      throw new Error(`${this.config.name}: ${pos0 + s} positions exceed the model's maximum sequence length ${this.config.maxSeqLen}`);
    }
  }

  // Runs the residual stream; returns the stop hook's activation, or logits when there is none.
  private run(ids: number[][], o: RunOptions): Tensor3D {
    const at = (name: string, x: Tensor3D): Tensor3D => {
      if (o.replace?.hook.name !== name) return x;
      const y = o.replace.fn(x, o.ctx.pos0);
      if (y.shape.length !== 3 || y.shape.some((d, i) => d !== x.shape[i])) {
        throw new Error(`replacement at ${name} returned shape [${y.shape.join(', ')}], expected [${x.shape.join(', ')}]`);
      }
      return y;
    };
    const stop = o.stop?.name;
    let x = at('hook_embed', this.embedTokens(ids));
    if (stop === 'hook_embed') return x;
    x = this.addPositions(x, o.ctx.pos0);
    const last = o.stop ? o.stop.layer : this.config.nLayers - 1;
    for (let l = 0; l <= last; l++) {
      const p = `blocks.${l}.`;
      x = at(p + 'hook_resid_pre', x);
      if (stop === p + 'hook_resid_pre') return x;
      const a = at(p + 'hook_attn_out', this.attn(l, x, o.ctx));
      if (stop === p + 'hook_attn_out') return a;
      x = tf.add(x, a);
      const m = at(p + 'hook_mlp_out', this.mlp(l, x));
      if (stop === p + 'hook_mlp_out') return m;
      x = at(p + 'hook_resid_post', tf.add(x, m));
      if (stop === p + 'hook_resid_post') return x;
    }
    return this.head(x);
  }

  forward(ids: number[][]): Tensor3D {
    this.checkIds(ids);
    return tf.tidy(() => this.run(ids, { ctx: { pos0: 0 } }));
  }

  runToHook(ids: number[][], hook: string): Tensor3D {
    const stop = parseHook(hook, this.config.nLayers);
    this.checkIds(ids);
    return tf.tidy(() => this.run(ids, { stop, ctx: { pos0: 0 } }));
  }

  runWithReplacement(ids: number[][], hook: string, fn: ActivationFn): Tensor3D {
    const h = parseHook(hook, this.config.nLayers);
    this.checkIds(ids);
    return tf.tidy(() => this.run(ids, { replace: { hook: h, fn }, ctx: { pos0: 0 } }));
  }

  /**
   * Logits of the new positions only, extending the cache (for generation); `replace` splices
   * fn(act) in at a hook, for the new positions (the cache then holds the replaced run's keys).
   */
  forwardCached(ids: number[], cache: KvCache | undefined, replace?: { hook: string; fn: ActivationFn }): { logits: Tensor3D; cache: KvCache } {
    const r = this.cached(ids, undefined, cache, replace && { hook: parseHook(replace.hook, this.config.nLayers), fn: replace.fn });
    return { logits: r.out, cache: r.cache };
  }

  runToHookCached(ids: number[], hook: string, cache: KvCache | undefined): { act: Tensor3D; cache: KvCache } {
    const r = this.cached(ids, parseHook(hook, this.config.nLayers), cache);
    return { act: r.out, cache: r.cache };
  }

  private cached(ids: number[], stop: HookPoint | undefined, cache: KvCache | undefined, replace?: RunOptions['replace']): { out: Tensor3D; cache: KvCache } {
    if (cache !== undefined && !(cache instanceof LayerKvCache && cache.owner === this)) {
      throw new Error(`${this.config.name}: this KvCache was made by a different model`);
    }
    const c = cache ?? new LayerKvCache(this);
    // Layers whose attention runs for this hook; a cache holding fewer cannot serve it.
    const need = stop === undefined ? this.config.nLayers : stop.kind === 'hook_resid_pre' ? stop.layer : stop.kind === 'hook_embed' ? 0 : stop.layer + 1;
    if (c.length > 0 && c.layers.length < need) c.truncate(0);
    if (ids.length < c.length) {
      throw new Error(`${this.config.name}: ${ids.length} ids but the cache holds ${c.length} positions; truncate the cache to the edit first`);
    }
    const pos0 = c.length;
    const fresh = ids.slice(pos0);
    if (fresh.length === 0) {
      const d = stop === undefined ? this.config.vocabSize : this.config.dModel;
      return { out: tf.zeros([1, 0, d]) as Tensor3D, cache: c };
    }
    this.checkIds([fresh], pos0);
    const { out, layers } = tf.tidy(() => {
      const ctx: AttnContext = { pos0, past: c.layers, collect: [] };
      const out = this.run([fresh], { stop, replace, ctx });
      return { out, layers: ctx.collect!.slice(0, Math.min(need, ctx.collect!.length)) };
    });
    c.set(layers, ids.length);
    return { out, cache: c };
  }

  dispose(): void {
    tf.dispose(this.params());
  }
}
