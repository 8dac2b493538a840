// TopK SAE (Gao et al. 2024): keep each token's k largest pre-activations, ReLU them, zero the rest.
// With `rescale_acts_by_decoder_norm` (SAELens), the selection and the activations are taken on
// z · ‖d_i‖ and the decoder rows divided by their norms, so the result is scale-free.
// Training (TopKTrainingSae): no sparsity penalty, b_dec starts at the data mean, and AuxK revives
// dead latents ([TopK] §2.4).
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import type { ResolvedTrainConfig } from '../train/config';
import { matMul } from '../train/fast-ops';
import { detached } from '../train/jumprelu-ste';
import { BaseSae } from './base-sae';
import { foldBias } from './jumprelu';
import type { SaeConfig } from './types';
import { TrainingSae, type ExportedTensors, type LossTerms } from './training-sae-base';

export class TopKSae extends BaseSae {
  static override validateConfig(cfg: SaeConfig, file: string): void {
    if (!Number.isSafeInteger(cfg.k) || (cfg.k as number) <= 0 || (cfg.k as number) > cfg.d_sae) {
      throw new Error(`${file}: topk SAE needs k in 1..d_sae (${cfg.d_sae}), got ${JSON.stringify(cfg.k)}`);
    }
  }

  protected activate(xIn: Tensor2D): Tensor2D {
    let z = this.preActivation(xIn);
    if (this.cfg.rescale_acts_by_decoder_norm) z = tf.mul(z, this.decoderNorms()) as Tensor2D;
    return topKMask(z, this.cfg.k as number);
  }

  protected override decodeNormalised(f: Tensor2D): Tensor2D {
    if (!this.cfg.rescale_acts_by_decoder_norm) return super.decodeNormalised(f);
    return tf.add(tf.matMul(tf.div(f, this.decoderNorms()) as Tensor2D, this.W_dec), this.b_dec) as Tensor2D;
  }

  private decoderNorms(): Tensor1D {
    // ‖d_i‖ over each decoder row: [d_sae].
    return tf.norm(this.W_dec, 'euclidean', 1) as Tensor1D;
  }
}

/** z: [batch, d_sae] -> ReLU of the k largest entries of each row, zeros elsewhere. */
export function topKMask(z: Tensor2D, k: number): Tensor2D {
  return tf.tidy(() => tf.mul(tf.relu(z), exactTopKMask(z, k)) as Tensor2D);
}

/**
 * 1 at exactly the k largest entries of each row of a: [batch, n], else 0, as SAELens's
 * `torch.topk` + scatter keeps exactly k: entries above the row's k-th value all stay, and among
 * entries tied with it the lowest indices fill the remaining places (torch.topk's and tfjs's order).
 * Built from the k-th value, a compare and a cumulative count of ties, so no scatter is needed.
 */
export function exactTopKMask(a: Tensor2D, k: number): Tensor2D {
  return tf.tidy(() => {
    const kth = tf.slice(tf.topk(a, k, true).values, [0, k - 1], [-1, 1]); // [batch, 1]
    const above = tf.cast(tf.greater(a, kth), 'float32');
    const tied = tf.cast(tf.equal(a, kth), 'float32');
    // Places left for tied entries: k − #above, each ≥ 1 since the k-th value itself is tied.
    const room = tf.sub(k, tf.sum(above, 1, true));
    // cumsum counts ties left to right (exact in float32 below 2^24 entries a row).
    const firstTies = tf.cast(tf.lessEqual(tf.cumsum(tied, 1), room), 'float32');
    return tf.add(above, tf.mul(tied, firstTies)) as Tensor2D;
  });
}

/** The config fields TopK-family training reads (resolved by train/config.ts). */
export interface TopKTrainFields {
  k: number;
  /** AuxK coefficient α and k_aux (default d_in/2). */
  auxKCoefficient: number;
  kAux: number;
}

/** Per-token keep mask of exactly the k largest entries of a: [batch, d_sae] (no gradient). */
export function topkKeepMask(a: Tensor2D, k: number): Tensor2D {
  return exactTopKMask(a, k);
}

/**
 * AuxK ([TopK] §2.4): reconstruct the detached residual e: [batch, d_in] from the k_aux largest
 * pre-activations pi: [batch, d_sae] among dead latents, decoded without bias; normalised by the
 * variance of e ([OAI], [DL]).
 */
export function auxKLoss(sae: TrainingSae, pi: Tensor2D, e: Tensor2D): Tensor {
  const dead = sae.deadMask();
  const nDead = tf.sum(dead).dataSync()[0];
  if (nDead === 0) return tf.scalar(0);
  const kAux = Math.min(sae.cfg.kAux, nDead);
  const mask = detached((p) => tf.mul(topkKeepMask(tf.add(tf.mul(p, dead), tf.mul(tf.sub(1, dead), -1e9)) as Tensor2D, kAux), dead))(pi);
  const eHat = matMul(tf.mul(tf.relu(pi), mask) as Tensor2D, sae.v('W_dec') as Tensor2D);
  const num = tf.sum(tf.square(tf.sub(e, eHat)));
  const den = tf.sum(tf.square(tf.sub(e, tf.mean(e, 0, true))));
  return tf.mul(sae.cfg.auxKCoefficient, tf.div(num, tf.maximum(den, 1e-12)));
}

/** k in [1, d_sae], for both TopK-family architectures. */
export function validateK(c: ResolvedTrainConfig): void {
  if (!(c.k >= 1 && c.k <= c.d_sae)) throw new Error(`train config: field "k" must be in [1, d_sae=${c.d_sae}], got ${c.k}`);
}

export class TopKTrainingSae extends TrainingSae {
  protected readonly trainableNames = ['W_enc', 'b_enc', 'W_dec', 'b_dec'];
  static override readonly bDecFromMean: boolean = true;

  static override validate(c: ResolvedTrainConfig): void {
    validateK(c);
  }

  encode(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const pi = this.preAct(x, 'b_enc');
      return tf.mul(tf.relu(pi), topkKeepMask(pi, this.cfg.k)) as Tensor2D;
    });
  }

  protected lossTerms(x: Tensor2D): LossTerms {
    const pi = this.preAct(x, 'b_enc');
    const mask = detached((p) => topkKeepMask(p as Tensor2D, this.cfg.k))(pi);
    const f = tf.mul(tf.relu(pi), mask) as Tensor2D;
    return { f, sparsity: tf.scalar(0), aux: tf.scalar(0), residualAux: this.cfg.auxKCoefficient > 0 ? (e) => auxKLoss(this, pi, e) : undefined };
  }

  protected exportTensors(C: number): ExportedTensors {
    return { tensors: { ...this.commonExport(C), b_enc: foldBias(this, C, 'b_enc') }, architecture: 'topk', cfgFields: { k: this.cfg.k } };
  }
}
