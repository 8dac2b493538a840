// Greedy decoding (argmax), the reference-comparison mode of `jumplens lm generate`.
import { tf, type Tensor3D } from '../tf';
import type { TransformerModel } from './transformer';
import type { KvCache, LanguageModel } from './types';

/** Appends `steps` argmax tokens to `ids`; with the cache each step computes one position. */
export function greedyGenerate(model: LanguageModel, ids: number[], steps: number, opts: { cache?: boolean } = {}): number[] {
  const out = ids.slice();
  const useCache = (opts.cache ?? true) && 'forwardCached' in model;
  let cache: KvCache | undefined;
  try {
    for (let i = 0; i < steps && out.length < model.config.maxSeqLen; i++) {
      const next = tf.tidy(() => {
        let logits: Tensor3D;
        if (useCache) {
          const r = (model as unknown as TransformerModel).forwardCached(out, cache);
          cache = r.cache;
          logits = r.logits;
        } else logits = model.forward([out]);
        const last = tf.slice(logits, [0, logits.shape[1] - 1, 0], [1, 1, -1]);
        return tf.argMax(tf.reshape(last, [-1]));
      });
      out.push(next.dataSync()[0]);
      next.dispose();
    }
  } finally {
    cache?.dispose();
  }
  return out;
}
