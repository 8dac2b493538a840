// BatchTopK SAE (Bussmann et al. 2024) at inference: training keeps the k·B largest activations of a
// whole batch, and inference replaces that batch dependence by one learned threshold, which makes it
// a JumpReLU with θ equal everywhere (SAELens exports it as exactly that). The threshold comes from a
// `threshold` tensor ([d_sae] or scalar) or a numeric cfg `threshold`. Training (BatchTopKTrainingSae)
// learns that threshold as an EMA of the smallest kept activation of each batch ([SL]).
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import type { ResolvedTrainConfig } from '../train/config';
import { detached } from '../train/jumprelu-ste';
import { BaseSae } from './base-sae';
import { foldBias, jumpReluOfRelu } from './jumprelu';
import { auxKLoss, exactTopKMask, validateK } from './topk';
import type { SaeConfig, SaeParams } from './types';
import { TrainingSae, type ExportedTensors, type HostTensors, type LossTerms, type StepMetrics } from './training-sae-base';

export class BatchTopKSae extends BaseSae {
  /** Files may carry one scalar threshold (a tensor or cfg `threshold`); broadcast it to [d_sae]. */
  static override prepareParams(cfg: SaeConfig, p: SaeParams): void {
    if (p.threshold === undefined && typeof cfg.threshold === 'number') p.threshold = tf.fill([cfg.d_sae], cfg.threshold);
    if (p.threshold && p.threshold.size === 1) {
      const t = p.threshold;
      p.threshold = tf.tidy(() => tf.mul(tf.ones([cfg.d_sae]), tf.reshape(t, [])));
      t.dispose();
    }
  }

  protected activate(xIn: Tensor2D): Tensor2D {
    return jumpReluOfRelu(this.reluPreActivation(xIn), this.p.threshold as Tensor1D);
  }

  override threshold(): Tensor1D {
    return this.p.threshold as Tensor1D;
  }
}

/** The config fields BatchTopK training reads beyond TopK's (resolved by train/config.ts). */
export interface BatchTopKTrainFields {
  /** Inference threshold EMA rate ([SL]: 0.01). */
  thresholdEmaRate: number;
}

export class BatchTopKTrainingSae extends TrainingSae {
  protected readonly trainableNames = ['W_enc', 'b_enc', 'W_dec', 'b_dec'];
  static override readonly bDecFromMean: boolean = true;

  static override initParams(cfg: ResolvedTrainConfig, h: HostTensors): void {
    super.initParams(cfg, h);
    h.batch_threshold = { data: new Float32Array(1), shape: [1] };
  }

  static override withState(cfg: ResolvedTrainConfig, p: HostTensors): HostTensors {
    const out = super.withState(cfg, p);
    out.batch_threshold ??= { data: new Float32Array(1), shape: [1] };
    return out;
  }

  static override validate(c: ResolvedTrainConfig): void {
    validateK(c);
  }

  /** Inference semantics: the learned threshold, not the batch's top k·B. */
  encode(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const pi = this.preAct(x, 'b_enc');
      return tf.mul(pi, tf.cast(tf.greater(pi, this.v('batch_threshold')), 'float32')) as Tensor2D;
    });
  }

  protected lossTerms(x: Tensor2D): LossTerms {
    const c = this.cfg;
    const B = x.shape[0];
    const pi = this.preAct(x, 'b_enc');
    const r = tf.relu(pi) as Tensor2D;
    // Keep the k·B largest activations of the flattened batch (spec §3.4).
    const kb = Math.min(c.k * B, B * c.d_sae);
    let minKept: Tensor | undefined;
    const mask = detached<Tensor2D>((rr) => {
      const flat = tf.reshape(rr, [1, -1]) as Tensor2D;
      const kth = tf.slice(tf.topk(flat, kb, true).values, [0, kb - 1], [1, 1]);
      minKept = tf.keep(tf.reshape(kth, []));
      // Exactly k·B kept, ties at the cut by index (SAELens's topk over the flattened batch).
      const keep = tf.reshape(exactTopKMask(flat, kb), rr.shape);
      return tf.mul(keep, tf.cast(tf.greater(rr, 0), 'float32')) as Tensor2D;
    })(r);
    const f = tf.mul(r, mask) as Tensor2D;
    return { f, sparsity: tf.scalar(0), aux: tf.scalar(0), minKept, residualAux: c.auxKCoefficient > 0 ? (e) => auxKLoss(this, pi, e) : undefined };
  }

  override updateState(m: StepMetrics, step: number): void {
    if (!m.minKept) return;
    const th = this.v('batch_threshold');
    const rate = this.cfg.thresholdEmaRate;
    // EMA of the smallest kept activation ([SL] rate 0.01), initialised at the first batch.
    th.assign(step === 0 ? tf.reshape(m.minKept, [1]) : tf.add(tf.mul(th, 1 - rate), tf.mul(m.minKept, rate)));
  }

  protected exportTensors(C: number): ExportedTensors {
    const th = this.v('batch_threshold').dataSync()[0];
    // Saved as JumpReLU with one shared threshold, as SAELens does (spec §3.4).
    return {
      tensors: { ...this.commonExport(C), b_enc: foldBias(this, C, 'b_enc'), threshold: tf.mul(C, tf.fill([this.cfg.d_sae], th)) },
      architecture: 'jumprelu',
    };
  }
}
