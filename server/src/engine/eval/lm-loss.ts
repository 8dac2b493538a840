// Delta LM loss (spec §4): next-token cross-entropy with the SAE reconstruction spliced in at the
// hook minus the clean cross-entropy, and loss recovered against zero-ablating the hook:
// (CE_zero − CE_sae) / (CE_zero − CE_clean). BOS positions keep their clean activation (as SAELens's
// replacement hook leaves masked positions alone) and predictions of BOS tokens are not counted.
import { tf, type Tensor, type Tensor2D, type Tensor3D } from '../tf';
import type { LanguageModel } from '../lm/types';
import type { EncoderDecoder } from './sae-metrics';

export interface LmLossResult {
  sequences: number;
  /** Predicted tokens counted. */
  tokens: number;
  ce_clean: number;
  ce_sae: number;
  ce_zero_ablation: number;
  delta_lm_loss: number;
  loss_recovered: number;
}

/** Summed CE over next-token predictions whose target is not BOS. logits: [b, s, V], ids: [b][s]. */
function ceSum(logits: Tensor3D, ids: number[][], bosId: number | undefined): { sum: number; count: number } {
  return tf.tidy(() => {
    const [b, s, V] = logits.shape;
    const targets = ids.map((row) => row.slice(1));
    const mask = tf.tensor2d(
      targets.map((row) => row.map((t) => (t === bosId ? 0 : 1))),
      [b, s - 1],
    );
    const lp = tf.logSoftmax(tf.slice(logits, [0, 0, 0], [b, s - 1, V]));
    const onehot = tf.oneHot(tf.tensor2d(targets, [b, s - 1], 'int32'), V);
    const nll = tf.neg(tf.sum(tf.mul(lp, onehot), 2));
    return { sum: tf.sum(tf.mul(nll, mask)).dataSync()[0], count: tf.sum(mask).dataSync()[0] };
  });
}

/** Replaces positions from `keep` on with fn(act) of those positions: [b, s, d] -> [b, s, d]. */
function splice(act: Tensor3D, keep: number, fn: (x: Tensor2D) => Tensor): Tensor3D {
  const [b, s, d] = act.shape;
  const tail = tf.slice(act, [0, keep, 0], [b, s - keep, d]);
  const replaced = tf.reshape(fn(tf.reshape(tail, [b * (s - keep), d]) as Tensor2D), [b, s - keep, d]);
  return (keep ? tf.concat([tf.slice(act, [0, 0, 0], [b, keep, d]), replaced], 1) : replaced) as Tensor3D;
}

/** seqs: equal-length token sequences (starting with BOS when the model uses one). */
/**
 * `baseline`: the clean and zero-ablation CE of these same seqs from an earlier call; a sweep
 * evaluating many SAEs at one hook then runs the model once per SAE, not three times.
 */
export async function deltaLmLoss(
  model: LanguageModel,
  sae: EncoderDecoder,
  hook: string,
  seqs: number[][],
  seqBatch = 16,
  baseline?: Pick<LmLossResult, 'ce_clean' | 'ce_zero_ablation' | 'sequences'>,
): Promise<LmLossResult> {
  if (baseline && baseline.sequences !== seqs.length) throw new Error(`deltaLmLoss: baseline is for ${baseline.sequences} sequences, not ${seqs.length}`);
  if (seqs.length === 0) throw new Error('deltaLmLoss: no sequences');
  const bos = model.tokenizer.bosId;
  const keep = bos !== undefined && seqs[0][0] === bos ? 1 : 0;
  const acc = { clean: 0, sae: 0, zero: 0, count: 0 };
  for (let i = 0; i < seqs.length; i += seqBatch) {
    const ids = seqs.slice(i, i + seqBatch);
    const run = (fn?: (x: Tensor2D) => Tensor) => {
      const logits = fn ? model.runWithReplacement(ids, hook, (act) => splice(act, keep, fn)) : model.forward(ids);
      const r = ceSum(logits, ids, bos);
      logits.dispose();
      return r;
    };
    const withSae = run((x) => sae.decode(sae.encode(x)));
    acc.sae += withSae.sum;
    acc.count += withSae.count;
    if (!baseline) {
      acc.clean += run().sum;
      acc.zero += run((x) => tf.zerosLike(x)).sum;
    }
    await new Promise((r) => setImmediate(r));
  }
  const ce = (s: number) => s / acc.count;
  const clean = baseline ? baseline.ce_clean : ce(acc.clean),
    withSae = ce(acc.sae),
    zero = baseline ? baseline.ce_zero_ablation : ce(acc.zero);
  return {
    sequences: seqs.length,
    tokens: acc.count,
    ce_clean: clean,
    ce_sae: withSae,
    ce_zero_ablation: zero,
    delta_lm_loss: withSae - clean,
    loss_recovered: (zero - withSae) / (zero - clean),
  };
}
