// One feature's activation at every position of a prompt, for Focus Feature. The analysis keeps
// only each token's top-k with dense features left out, so a dense feature (or one ranking below k)
// would read 0 there; this re-runs the model from BOS on the prompt's ids and encodes it whole,
// keeping the one column. A one-off per request: per keystroke the analysis stays top-k only.
import { tf, type Tensor2D } from '../engine/tf';
import type { KvCache } from '../engine/lm/types';
import type { Engine } from '../session/engine-session';

/** Positions run per model call; cancellation is checked (and the event loop let in) between chunks. */
const CHUNK = 64;

/**
 * ids: [n] a prompt's token ids, BOS (if any) first -> [n] activation of `feature` at each
 * position; all 0 without an SAE; undefined when `signal` aborted it.
 */
export async function featureColumn(engine: Engine, ids: readonly number[], feature: number, signal?: AbortSignal): Promise<Float32Array | undefined> {
  const out = new Float32Array(ids.length);
  const { model, sae, hook } = engine;
  if (!sae) return out;
  if (!Number.isInteger(feature) || feature < 0 || feature >= sae.dSae) {
    throw new Error(`feature ${feature} is out of range: the SAE ${engine.saePath ?? ''} has features 0..${sae.dSae - 1}`);
  }
  let cache: KvCache | undefined;
  try {
    for (let s = 0; s < ids.length; s += CHUNK) {
      if (signal?.aborted) return undefined;
      const e = Math.min(ids.length, s + CHUNK);
      const r = model.runToHookCached(ids.slice(0, e), hook, cache);
      cache = r.cache;
      // act: [1, e - s, d_model] -> f: [e - s, d_sae] -> column: [e - s, 1]
      const col = tf.tidy(() => {
        const f = sae.encode(tf.reshape(r.act, [e - s, model.config.dModel]) as Tensor2D);
        return tf.slice(f, [0, feature], [e - s, 1]);
      });
      r.act.dispose();
      try {
        out.set(await col.data(), s);
      } finally {
        col.dispose();
      }
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    cache?.dispose();
  }
  return signal?.aborted ? undefined : out;
}
