// JumpReLU SAE (Rajamanoharan et al. 2024, Eq. 4): f = z · H(z − θ), with a learned threshold θ per
// feature. Computed as mask(z > θ) · ReLU(z), as the released code does: identical for θ > 0, and a
// plain ReLU where a stored θ is ≤ 0. The comparison is strict, so Gemma Scope L0s reproduce.
// Training (JumpReluTrainingSae) learns θ through the straight-through estimators of jumprelu-ste.ts.
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import type { ResolvedTrainConfig } from '../train/config';
import { makeJumpRelu, makeStep } from '../train/jumprelu-ste';
import { BaseSae } from './base-sae';
import { TrainingSae, type ExportedTensors, type HostTensors, type LossTerms } from './training-sae-base';

export class JumpReluSae extends BaseSae {
  protected activate(xIn: Tensor2D): Tensor2D {
    return jumpReluOfRelu(this.reluPreActivation(xIn), this.p.threshold as Tensor1D);
  }

  override threshold(): Tensor1D {
    return this.p.threshold as Tensor1D;
  }
}

/** z: [batch, d_sae], theta: [d_sae] or scalar -> [batch, d_sae]. */
export function jumpRelu(z: Tensor2D, theta: Tensor1D): Tensor2D {
  return tf.tidy(() => tf.mul(tf.relu(z), tf.cast(tf.greater(z, theta), 'float32')) as Tensor2D);
}

/**
 * The same f from r = ReLU(z), which the fused matmul gives for free: for θ ≥ 0, r > θ ⇔ z > θ; for
 * θ < 0 the mask is 1 wherever r > 0 and r is 0 elsewhere. r: [batch, d_sae], theta: [d_sae].
 */
export function jumpReluOfRelu(r: Tensor2D, theta: Tensor1D): Tensor2D {
  return tf.tidy(() => tf.mul(r, tf.cast(tf.greater(r, theta), 'float32')) as Tensor2D);
}

/** The config fields JumpReLU training reads (resolved by train/config.ts). */
export interface JumpReluTrainFields {
  /**
   * Kernel bandwidth ε and initial threshold θ₀ (training units, E||x||² = 1). NaN when the config
   * leaves them out: the trainer then chooses them from the first batch (train/jumprelu-init.ts).
   */
  bandwidth: number;
  initThreshold: number;
  /** Mean L0 the data-chosen θ₀ gives at step 0. */
  initL0: number;
  /** Data-chosen ε = bandwidthScale · std(first batch's pre-activations). */
  bandwidthScale: number;
  /** The variable holds log θ ("log") or θ ("raw"). */
  thresholdParam: 'log' | 'raw';
  /** λ·L0 ([JR] Eq. 9) or λ·(2/L0*)·(L0 − L0*)² ([GS2]). */
  sparsityPenalty: 'l0' | 'quadratic_l0';
  targetL0: number;
  /** SAELens's optional pre-activation loss on dead latents (0 = off). */
  preActLossCoefficient: number;
}

/**
 * JumpReLU under training ([JR] §3, spec §1.2-1.3): θ is learned through the rectangle-kernel STE,
 * stored as log θ (thresholdParam "log", the default) or θ ("raw"); the sparsity term is λ·L0 or
 * Gemma Scope 2's quadratic penalty around a target L0, plus SAELens's optional pre-activation loss.
 */
export class JumpReluTrainingSae extends TrainingSae {
  protected readonly trainableNames = ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'threshold'];
  private readonly jumpRelu;
  private readonly step;

  constructor(cfg: ResolvedTrainConfig, init: HostTensors) {
    super(cfg, init);
    this.jumpRelu = makeJumpRelu(cfg.bandwidth);
    this.step = makeStep(cfg.bandwidth);
  }

  static override initParams(cfg: ResolvedTrainConfig, h: HostTensors): void {
    super.initParams(cfg, h);
    const th = cfg.thresholdParam === 'log' ? Math.log(cfg.initThreshold) : cfg.initThreshold;
    h.threshold = { data: new Float32Array(cfg.d_sae).fill(th), shape: [cfg.d_sae] };
  }

  static override withState(cfg: ResolvedTrainConfig, p: HostTensors): HostTensors {
    const out = super.withState(cfg, p);
    if (cfg.thresholdParam === 'log' && out.threshold) {
      // Given thresholds are θ; the variable holds log θ.
      out.threshold = { data: Float32Array.from(out.threshold.data, (v) => Math.log(Math.max(v, 1e-8))), shape: out.threshold.shape };
    }
    return out;
  }

  static override validate(c: ResolvedTrainConfig): void {
    if (c.sparsityPenalty === 'quadratic_l0' && !(c.targetL0 > 0))
      throw new Error('train config: field "targetL0" must be > 0 with sparsityPenalty "quadratic_l0"');
  }

  /** θ in training units: [d_sae]. */
  theta(): Tensor1D {
    const t = this.v('threshold');
    return (this.cfg.thresholdParam === 'log' ? tf.exp(t) : tf.relu(t)) as Tensor1D;
  }

  override thresholds(): Tensor1D {
    return this.theta();
  }

  encode(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const pi = this.preAct(x, 'b_enc');
      return tf.mul(pi, tf.cast(tf.greater(pi, this.theta()), 'float32')) as Tensor2D;
    });
  }

  protected lossTerms(x: Tensor2D, lambda: number, decNorm: Tensor1D): LossTerms {
    const c = this.cfg;
    const B = x.shape[0];
    const pi = this.preAct(x, 'b_enc');
    const th = this.theta();
    const f = this.jumpRelu(pi, th);
    // L0 counts the step on the pre-activation π (spec §1.2, SAELens "step" mode).
    const meanL0 = tf.div(tf.sum(this.step(pi, th)), B);
    let sparsity: Tensor;
    if (c.sparsityPenalty === 'quadratic_l0') {
      // Gemma Scope 2's penalty around a target L0* ([GS2] §2.3), on the batch-mean L0.
      const T = c.targetL0;
      sparsity = tf.mul(lambda * (2 / T), tf.square(tf.sub(meanL0, T)));
    } else sparsity = tf.mul(lambda, meanL0);
    let aux: Tensor = tf.scalar(0);
    if (c.preActLossCoefficient > 0) {
      const pre = tf.sum(tf.mul(tf.mul(tf.relu(tf.sub(th, pi)), decNorm), this.deadMask()));
      aux = tf.mul(c.preActLossCoefficient, tf.div(pre, B));
    }
    return { f, sparsity, aux };
  }

  protected exportTensors(C: number): ExportedTensors {
    return { tensors: { ...this.commonExport(C), b_enc: foldBias(this, C, 'b_enc'), threshold: tf.mul(C, this.theta()) }, architecture: 'jumprelu' };
  }
}

/** C(b − b_dec·W_enc): an encoder bias folded for raw activations ([GS] App. B). Inside a tidy. */
export function foldBias(sae: TrainingSae, C: number, bias: string, shift: Tensor = sae.bDecShift()): Tensor {
  return tf.mul(C, tf.sub(sae.v(bias), shift));
}
