// Feature-browser operations over a FeatureStore, as pure functions of (store, tokenizer, request):
// the ws server and the extension's postMessage relay both call them. They never touch sockets.
import * as path from 'node:path';
import { tf, type Tensor2D } from '../engine/tf';
import { type FeatureStore, STORE_FILE } from '../engine/features/feature-store';
import { readSafetensorsHeader, readTensorF32 } from '../engine/io/safetensors';
import type { LanguageModel, Tokenizer } from '../engine/lm/types';
import { pieceText } from '../engine/lm/piece-text';
import type { FeatureCardResult, FeatureListResult, FeatureOp, FeatureRequest, FeatureSort, WsOps, WsRequestOf } from '../../../protocol';

export const DEFAULT_MAX_DENSITY = 0.01;

export interface FeatureOpsContext {
  store: FeatureStore;
  /** Turns context token ids into strings; without one, ids are shown as `#id`. */
  tokenizer?: Pick<Tokenizer, 'idToPiece'>;
  /** Decoder and unembedding for promoted/suppressed tokens: wDec [d_sae, d_model], wU [d_model, vocab]. Owned by the caller. */
  unembed?: { wDec: Tensor2D; wU: Tensor2D };
  /**
   * Alternative to `unembed` for models that do not expose W_U: the change in next-token logits
   * when the feature's decoder direction is added at the hook ([vocab]); see logitEffectByPatching.
   */
  logitEffect?: (feature: number) => Float32Array;
  /** How many promoted/suppressed tokens a card lists. */
  logitTopK?: number;
}

/**
 * Promoted/suppressed tokens through any LanguageModel: run `prompt` twice in one batch, once as is
 * and once with feature j's decoder row (scaled to the feature's max activation, as when it fires
 * strongly) added at the last position of `hook`, and return the logit difference at that
 * position. At the last layer this is W_U·d through the final norm; earlier, it includes the
 * downstream layers' response, which is what the feature does to the output.
 */
export function logitEffectByPatching(
  model: Pick<LanguageModel, 'runWithReplacement' | 'config'>,
  hook: string,
  wDec: Tensor2D,
  prompt: number[],
  scaleOf: (feature: number) => number,
): (feature: number) => Float32Array {
  if (prompt.length === 0) throw new Error('logitEffectByPatching: empty prompt');
  const seq = prompt.length;
  return (feature) => {
    const out = tf.tidy(() => {
      const d = tf.mul(tf.slice(wDec, [feature, 0], [1, wDec.shape[1]]), scaleOf(feature)); // [1, d_model]
      // Only row 1, last position, gets the direction: mask [2, seq, 1].
      const mask = tf.tensor3d(
        Array.from({ length: 2 * seq }, (_, i) => (i === 2 * seq - 1 ? 1 : 0)),
        [2, seq, 1],
      );
      const logits = model.runWithReplacement([prompt, prompt], hook, (act) => tf.add(act, tf.mul(mask, tf.reshape(d, [1, 1, -1]))) as typeof act); // [2, seq, vocab]
      const last = tf.reshape(tf.slice(logits, [0, seq - 1, 0], [2, 1, -1]), [2, -1]); // [2, vocab]
      return tf.reshape(tf.sub(tf.slice(last, [1, 0], [1, -1]), tf.slice(last, [0, 0], [1, -1])), [-1]);
    });
    const v = out.dataSync() as Float32Array;
    out.dispose();
    return v;
  };
}

export { pieceText };

export function listFeatures(ctx: FeatureOpsContext, req: Extract<FeatureRequest, { op: 'listFeatures' }>): FeatureListResult {
  const { store } = ctx;
  const n = store.dSae;
  const maxD = req.maxDensity ?? DEFAULT_MAX_DENSITY;
  const minD = req.minDensity ?? 0;
  const query = (req.query ?? '').trim();
  let ids: number[] = [];
  const byToken = /^token:(.*)$/is.exec(query);
  if (byToken) {
    // Features whose top contexts are centred on this token: "what fires on `the`".
    const want = byToken[1].trim().toLowerCase();
    const centres = centreTokens(store);
    const w = store.meta.nTop;
    const idsOfText = new Set<number>();
    const seen = new Map<number, string>();
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < w; k++) {
        const t = centres[j * w + k];
        if (t < 0) continue;
        let s = seen.get(t);
        if (s === undefined) seen.set(t, (s = pieceText(ctx.tokenizer, t).trim().toLowerCase()));
        if (s === want) {
          idsOfText.add(j);
          break;
        }
      }
    }
    ids = [...idsOfText];
  } else if (/^#?\d+$/.test(query)) {
    const id = Number(query.replace('#', ''));
    if (id < n) ids = [id];
  } else if (query) {
    const q = query.toLowerCase();
    for (let j = 0; j < n; j++) if (store.label(j)?.toLowerCase().includes(q)) ids.push(j);
  } else {
    ids = Array.from({ length: n }, (_, j) => j);
  }
  // An explicit id search ignores the density filter: the user asked for that feature.
  if (!/^#?\d+$/.test(query)) ids = ids.filter((j) => store.density[j] >= minD && store.density[j] <= maxD);
  sortIds(ids, ctx, req.sort ?? 'density', req.descending);
  const offset = req.offset ?? 0;
  const page = ids.slice(offset, req.limit === undefined ? undefined : offset + req.limit);
  const labels: Record<string, string> = {};
  for (const j of page) {
    const l = store.label(j);
    if (l) labels[j] = l;
  }
  return {
    total: ids.length,
    dSae: n,
    offset,
    ids: page,
    density: page.map((j) => store.density[j]),
    maxAct: page.map((j) => store.maxAct[j]),
    labels,
  };
}

function sortIds(ids: number[], ctx: FeatureOpsContext, sort: FeatureSort, descending?: boolean): void {
  const { store } = ctx;
  const desc = descending ?? (sort === 'density' || sort === 'maxAct');
  const sign = desc ? -1 : 1;
  switch (sort) {
    case 'id':
      ids.sort((a, b) => sign * (a - b));
      break;
    case 'density':
      ids.sort((a, b) => sign * (store.density[a] - store.density[b]) || a - b);
      break;
    case 'maxAct':
      ids.sort((a, b) => sign * (store.maxAct[a] - store.maxAct[b]) || a - b);
      break;
    case 'label': {
      // Unlabelled features go last whichever way the labels run.
      ids.sort((a, b) => {
        const la = store.label(a);
        const lb = store.label(b);
        if (!la || !lb) return (la ? -1 : lb ? 1 : 0) || a - b;
        return sign * la.localeCompare(lb) || a - b;
      });
      break;
    }
    default:
      throw new Error(`unknown sort ${JSON.stringify(sort)}`);
  }
}

const centreCache = new WeakMap<FeatureStore, Int32Array>();

/** [d_sae, nTop] the token id at the centre of each top context (-1 where none), read once per store. */
function centreTokens(store: FeatureStore): Int32Array {
  let c = centreCache.get(store);
  if (c) return c;
  const { dSae, nTop, before, after } = store.meta;
  const w = before + 1 + after;
  const all = readTensorF32(readSafetensorsHeader(path.join(store.dir, STORE_FILE)), 'top_tokens').data; // [d_sae, nTop, w]
  c = new Int32Array(dSae * nTop);
  for (let i = 0; i < dSae * nTop; i++) c[i] = all[i * w + before];
  centreCache.set(store, c);
  return c;
}

export function featureCard(ctx: FeatureOpsContext, feature: number): FeatureCardResult {
  const c = ctx.store.card(feature);
  const before = ctx.store.meta.before;
  const out: FeatureCardResult = {
    id: c.id,
    label: c.label,
    density: c.density,
    maxAct: c.maxAct,
    hist: c.hist,
    histLog10Range: c.histLog10Range,
    top: c.top.map((t) => ({ value: t.value, tokens: t.tokens.map((id) => pieceText(ctx.tokenizer, id)), acts: t.acts, centre: before })),
  };
  if (ctx.unembed) Object.assign(out, decoderLogits(ctx, feature));
  else if (ctx.logitEffect) Object.assign(out, topOfEffect(ctx, ctx.logitEffect(feature)));
  return out;
}

/** The decoder direction of `feature` read through the unembedding: which next tokens it pushes up and down. */
export function decoderLogits(ctx: FeatureOpsContext, feature: number): Partial<Pick<FeatureCardResult, 'promoted' | 'suppressed'>> {
  const u = ctx.unembed;
  if (!u) return {};
  const k = Math.min(ctx.logitTopK ?? 10, u.wU.shape[1]);
  const ts = tf.tidy(() => {
    const row = tf.slice(u.wDec, [feature, 0], [1, u.wDec.shape[1]]); // [1, d_model]
    const logits = tf.reshape(tf.matMul(row, u.wU), [-1]); // [vocab]
    const top = tf.topk(logits, k);
    const bottom = tf.topk(tf.neg(logits), k);
    return [top.values, top.indices, bottom.values, bottom.indices];
  });
  const [pv, pi, sv, si] = ts.map((t) => t.dataSync());
  tf.dispose(ts);
  return {
    promoted: Array.from(pi, (id, i) => ({ token: pieceText(ctx.tokenizer, id), logit: pv[i] })),
    suppressed: Array.from(si, (id, i) => ({ token: pieceText(ctx.tokenizer, id), logit: -sv[i] })),
  };
}

function topOfEffect(ctx: FeatureOpsContext, effect: Float32Array): Pick<FeatureCardResult, 'promoted' | 'suppressed'> {
  const k = Math.min(ctx.logitTopK ?? 10, effect.length);
  const order = Array.from(effect.keys()).sort((a, b) => effect[b] - effect[a]);
  const row = (id: number) => ({ token: pieceText(ctx.tokenizer, id), logit: effect[id] });
  return { promoted: order.slice(0, k).map(row), suppressed: order.slice(-k).reverse().map(row) };
}

/** Runs one parsed request; the result is what goes in the reply's `result`. */
export function handleFeatureRequest<O extends FeatureOp>(ctx: FeatureOpsContext, req: WsRequestOf<O>): WsOps[O]['result'] {
  const r = req as FeatureRequest;
  switch (r.op) {
    case 'listFeatures':
      return listFeatures(ctx, r);
    case 'featureCard':
      return featureCard(ctx, r.feature);
    case 'setLabel':
      ctx.store.setLabel(r.feature, r.label);
      return { id: r.feature, label: ctx.store.label(r.feature) ?? null } satisfies WsOps['setLabel']['result'];
    case 'importLabels':
      return { imported: ctx.store.importNeuronpedia(r.file) } satisfies WsOps['importLabels']['result'];
  }
}

/**
 * The context the daemon serves feature-browser requests from for its loaded SAE's store (the
 * registry's one, shared with hovers). Promoted/suppressed tokens come from patching the SAE's W_dec
 * rows, scaled to each feature's max activation, after a short neutral prompt.
 */
export function featureOpsFor(
  store: FeatureStore,
  model: Pick<LanguageModel, 'runWithReplacement' | 'config' | 'tokenizer'>,
  sae: { hookName: string; params(): Record<string, import('../engine/tf').Tensor> },
): FeatureOpsContext {
  const wDec = sae.params().W_dec as Tensor2D | undefined;
  const ctx: FeatureOpsContext = { store, tokenizer: model.tokenizer };
  if (wDec && sae.hookName) {
    if (wDec.shape[0] !== store.dSae) throw new Error(`${store.dir}: the store has ${store.dSae} features but the SAE's W_dec has ${wDec.shape[0]} rows`);
    const prompt = model.tokenizer.encode('Once upon a time, there was').map((t) => t.id);
    ctx.logitEffect = logitEffectByPatching(model, sae.hookName, wDec, prompt, (j) => store.maxAct[j] || 1);
  }
  return ctx;
}
