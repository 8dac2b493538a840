// Logit effects of features: the tokens a feature's decoder direction promotes and suppresses
// (W_dec[f] · W_U, sae_vis's table), and how interventions move the next-token distribution at
// one position (log-probability shifts and the KL divergence).
import { tf, type Tensor2D, type Tensor3D } from '../tf';
import type { Sae } from '../sae/types';
import { pieceText } from '../lm/piece-text';
import { saeHookFor, steerHook, steerStart, steeringFn } from './splice';
import type { SteerableModel } from './steerable';
import type { FeatureLogits, NextTokenEffect, SteerSpec, TokenShift } from './types';

/**
 * Top-k promoted and suppressed tokens of each feature: its W_dec row read through the model's
 * unembedding with the final norm's gain folded in (model.directLogits). Direct effect only: the
 * layers after the hook are skipped, as in sae_vis; logitEffectByPatching includes them.
 */
export function featureLogits(model: SteerableModel, sae: Sae, features: number[], k = 10): FeatureLogits[] {
  saeHookFor(model, sae);
  for (const f of features) if (!Number.isInteger(f) || f < 0 || f >= sae.dSae) throw new Error(`feature ${f}: expected an integer in 0..${sae.dSae - 1}`);
  if (features.length === 0) return [];
  const kk = Math.min(k, model.config.vocabSize);
  const ts = tf.tidy(() => {
    const rows = tf.gather(sae.params().W_dec as Tensor2D, tf.tensor1d(features, 'int32')); // [n, d]
    const logits = model.directLogits(rows as Tensor2D); // [n, vocab]
    const top = tf.topk(logits, kk);
    const bottom = tf.topk(tf.neg(logits), kk);
    return [top.values, top.indices, bottom.values, bottom.indices];
  });
  const [pv, pi, sv, si] = ts.map((t) => t.dataSync());
  tf.dispose(ts);
  const tok = model.tokenizer;
  return features.map((feature, r) => ({
    feature,
    promoted: Array.from({ length: kk }, (_, j) => ({ id: pi[r * kk + j], token: pieceText(tok, pi[r * kk + j]), logit: pv[r * kk + j] })),
    suppressed: Array.from({ length: kk }, (_, j) => ({ id: si[r * kk + j], token: pieceText(tok, si[r * kk + j]), logit: -sv[r * kk + j] })),
  }));
}

/**
 * The next-token distribution predicted at `position` (from ids[0..position]) with and without the
 * interventions (applied from spec.fromPosition up to `position`): the k largest rises and falls
 * of log-probability and KL(clean ‖ steered).
 */
export function nextTokenEffect(model: SteerableModel, sae: Sae, ids: number[], position: number, spec: SteerSpec, k = 10): NextTokenEffect {
  const hook = steerHook(model, sae, spec.hook);
  if (!Number.isInteger(position) || position < 0 || position >= ids.length)
    throw new Error(`position ${position}: expected 0..${ids.length - 1} (the text has ${ids.length} tokens)`);
  const prefix = ids.slice(0, position + 1);
  const fn = steeringFn(sae, spec.interventions, steerStart(prefix, model.tokenizer.bosId, spec));
  const lastLogProbs = (logits: Tensor3D) => tf.logSoftmax(tf.reshape(tf.slice(logits, [0, position, 0], [1, 1, -1]), [-1]));
  const [before, after, kl] = tf.tidy(() => {
    const clean = lastLogProbs(model.forward([prefix])); // [vocab]
    const steered = lastLogProbs(model.runWithReplacement([prefix], hook, fn));
    const kl = tf.sum(tf.mul(tf.exp(clean), tf.sub(clean, steered)));
    return [clean, steered, kl];
  });
  const b = before.dataSync() as Float32Array;
  const a = after.dataSync() as Float32Array;
  const klv = kl.dataSync()[0];
  tf.dispose([before, after, kl]);
  const shift = (id: number): TokenShift => ({ id, token: pieceText(model.tokenizer, id), logProbBefore: b[id], logProbAfter: a[id], delta: a[id] - b[id] });
  const order = Array.from(b.keys()).sort((x, y) => a[y] - b[y] - (a[x] - b[x]) || x - y);
  const kk = Math.min(k, order.length);
  return { position, kl: Math.max(0, klv), rises: order.slice(0, kk).map(shift), falls: order.slice(-kk).reverse().map(shift) };
}
