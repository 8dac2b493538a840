// Steered generation: the prompt continued twice with the KV cache, once by the plain model and
// once with the SAE spliced in at its hook and the interventions applied, with the same decoding
// (and, when sampling, the same random numbers) so the two differ only by the steering.
import { tf } from '../tf';
import type { ActivationFn, KvCache, Tokenizer } from '../lm/types';
import type { Sae } from '../sae/types';
import { makeSampler } from './sampling';
import { steerHook, steerStart, steeringFn } from './splice';
import type { SteerableModel } from './steerable';
import type { Continuation, DecodingOptions, SteerResult, SteerSpec } from './types';

/**
 * Appends up to `o.steps` tokens to `prompt` (fewer at the model's maximum length); with `replace`
 * the hook is replaced on every pass, prompt included. Returns the generated ids only.
 */
export function continueTokens(model: SteerableModel, prompt: number[], o: DecodingOptions, replace?: { hook: string; fn: ActivationFn }): number[] {
  if (prompt.length === 0) throw new Error('steer: empty prompt (need at least one token)');
  const pick = makeSampler(o);
  const ids = prompt.slice();
  let cache: KvCache | undefined;
  try {
    for (let i = 0; i < o.steps && ids.length < model.config.maxSeqLen; i++) {
      const last = tf.tidy(() => {
        const r = model.forwardCached(ids, cache, replace);
        cache = r.cache;
        return tf.reshape(tf.slice(r.logits, [0, r.logits.shape[1] - 1, 0], [1, 1, -1]), [-1]); // [vocab]
      });
      const row = last.dataSync() as Float32Array;
      last.dispose();
      ids.push(pick(row));
    }
  } finally {
    cache?.dispose();
  }
  return ids.slice(prompt.length);
}

/**
 * The text each generated token adds after the prompt (decoding them one by one would drop the
 * leading space SentencePiece decoders strip after BOS). ids: the generated ids only.
 */
export function tokenTexts(tokenizer: Pick<Tokenizer, 'decode'>, prompt: number[], ids: number[]): string[] {
  const out: string[] = [];
  let prev = tokenizer.decode(prompt);
  for (let i = 0; i < ids.length; i++) {
    const cur = tokenizer.decode(prompt.concat(ids.slice(0, i + 1)));
    out.push(cur.startsWith(prev) ? cur.slice(prev.length) : cur);
    prev = cur;
  }
  return out;
}

/** The unsteered and the steered continuation of `prompt`, and where they differ. */
export function steerGenerate(model: SteerableModel, sae: Sae, prompt: number[], spec: SteerSpec, o: DecodingOptions): SteerResult {
  const hook = steerHook(model, sae, spec.hook);
  const fn = steeringFn(sae, spec.interventions, steerStart(prompt, model.tokenizer.bosId, spec));
  const plain = continueTokens(model, prompt, o);
  const steered = continueTokens(model, prompt, o, { hook, fn });
  const text = (ids: number[]): Continuation => ({ ids, text: model.tokenizer.decode(ids), tokens: tokenTexts(model.tokenizer, prompt, ids) });
  const n = Math.max(plain.length, steered.length);
  const differs = Array.from({ length: n }, (_, i) => plain[i] !== steered[i]);
  return { hook, prompt, unsteered: text(plain), steered: text(steered), firstDiff: differs.indexOf(true), differs };
}
