// Gated SAE (Rajamanoharan et al., arXiv 2404.16014): a gate path decides which features fire, a
// magnitude path that shares W_enc (rescaled per feature by exp(r_mag)) decides how strongly:
//   π_gate = x W_enc + b_gate,  π_mag = x (W_enc ⊙ exp(r_mag)) + b_mag,  f = 1[π_gate > 0] · ReLU(π_mag).
// Since π_gate > 0 ⇔ π_mag > b_mag − exp(r_mag) ⊙ b_gate, this is exactly a JumpReLU on π_mag with
// θ = b_mag − exp(r_mag) ⊙ b_gate, the equivalence the JumpReLU paper notes (§2); `threshold()` and
// `toJumpReluParams` use it. Training (GatedTrainingSae): L1 on the gate path's ReLU plus an auxiliary
// reconstruction through the gate path with a frozen decoder ([DL] gdm.py).
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import type { ResolvedTrainConfig } from '../train/config';
import { matMul } from '../train/fast-ops';
import { detached } from '../train/jumprelu-ste';
import { BaseSae } from './base-sae';
import { foldBias } from './jumprelu';
import { TrainingSae, zerosHost, type ExportedTensors, type HostTensors, type LossTerms } from './training-sae-base';
import type { SaeParams } from './types';

export class GatedSae extends BaseSae {
  protected activate(xIn: Tensor2D): Tensor2D {
    const p = this.p;
    const shared = tf.matMul(xIn, p.W_enc as Tensor2D);
    const gate = tf.greater(tf.add(shared, p.b_gate), 0);
    const mag = tf.add(tf.mul(shared, tf.exp(p.r_mag)), p.b_mag);
    return tf.mul(tf.cast(gate, 'float32'), tf.relu(mag)) as Tensor2D;
  }

  private theta?: Tensor1D;

  /** θ = b_mag − exp(r_mag) ⊙ b_gate: the JumpReLU threshold this Gated SAE is equivalent to. Owned by the SAE. */
  override threshold(): Tensor1D {
    this.theta ??= tf.tidy(() => tf.sub(this.p.b_mag, tf.mul(tf.exp(this.p.r_mag), this.p.b_gate)) as Tensor1D);
    return this.theta;
  }

  override dispose(): void {
    this.theta?.dispose();
    super.dispose();
  }
}

/** The parameters of the JumpReLU SAE that computes the same f as a Gated SAE (new tensors). */
export function gatedToJumpReluParams(p: SaeParams): SaeParams {
  return tf.tidy(() => {
    const scale = tf.exp(p.r_mag);
    const out: Record<string, Tensor> = {
      W_enc: tf.mul(p.W_enc, scale),
      b_enc: tf.clone(p.b_mag),
      threshold: tf.sub(p.b_mag, tf.mul(scale, p.b_gate)),
      W_dec: tf.clone(p.W_dec),
      b_dec: tf.clone(p.b_dec),
    };
    return out;
  });
}

export class GatedTrainingSae extends TrainingSae {
  protected readonly trainableNames = ['W_enc', 'b_gate', 'b_mag', 'r_mag', 'W_dec', 'b_dec'];

  static override initParams(cfg: ResolvedTrainConfig, h: HostTensors): void {
    h.b_gate = zerosHost(cfg.d_sae);
    h.b_mag = zerosHost(cfg.d_sae);
    h.r_mag = zerosHost(cfg.d_sae);
  }

  encode(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const g = tf.matMul(tf.sub(x, this.v('b_dec')), this.v('W_enc'));
      const gate = tf.cast(tf.greater(tf.add(g, this.v('b_gate')), 0), 'float32');
      return tf.mul(gate, tf.relu(tf.add(tf.mul(g, tf.exp(this.v('r_mag'))), this.v('b_mag')))) as Tensor2D;
    });
  }

  protected lossTerms(x: Tensor2D, lambda: number, decNorm: Tensor1D): LossTerms {
    const B = x.shape[0];
    const wDec = this.v('W_dec');
    const g = matMul(tf.sub(x, this.v('b_dec')) as Tensor2D, this.v('W_enc') as Tensor2D);
    const piGate = tf.add(g, this.v('b_gate'));
    const piMag = tf.add(tf.mul(g, tf.exp(this.v('r_mag'))), this.v('b_mag'));
    const gate = detached((p) => tf.cast(tf.greater(p, 0), 'float32'))(piGate); // Heaviside: no gradient
    const f = tf.mul(gate, tf.relu(piMag)) as Tensor2D;
    const fGate = tf.relu(piGate) as Tensor2D;
    const sparsity = tf.mul(lambda, tf.div(tf.sum(tf.mul(fGate, decNorm)), B));
    const freeze = detached((t) => tf.clone(t));
    const xFrozen = tf.add(matMul(fGate, freeze(wDec) as Tensor2D), freeze(this.v('b_dec')));
    const aux = tf.div(tf.sum(tf.square(tf.sub(x, xFrozen))), B);
    return { f, sparsity, aux };
  }

  protected exportTensors(C: number): ExportedTensors {
    const bW = this.bDecShift();
    const tensors: Record<string, Tensor> = {
      ...this.commonExport(C),
      b_gate: foldBias(this, C, 'b_gate', bW),
      b_mag: foldBias(this, C, 'b_mag', tf.mul(bW, tf.exp(this.v('r_mag')))),
      r_mag: tf.clone(this.v('r_mag')),
    };
    return { tensors, architecture: 'gated' };
  }
}
