// ReLU ("standard") SAE: f = ReLU(z). Trained with an L1 penalty weighted by decoder row norms, so
// rescaling W_enc against W_dec cannot shrink it (spec §3.1).
import { tf, type Tensor1D, type Tensor2D } from '../tf';
import { BaseSae } from './base-sae';
import { foldBias } from './jumprelu';
import { TrainingSae, type ExportedTensors, type LossTerms } from './training-sae-base';

export class StandardSae extends BaseSae {
  protected activate(xIn: Tensor2D): Tensor2D {
    return this.reluPreActivation(xIn);
  }
}

export class StandardTrainingSae extends TrainingSae {
  protected readonly trainableNames = ['W_enc', 'b_enc', 'W_dec', 'b_dec'];

  encode(x: Tensor2D): Tensor2D {
    return tf.tidy(() => tf.relu(this.preAct(x, 'b_enc')) as Tensor2D);
  }

  protected lossTerms(x: Tensor2D, lambda: number, decNorm: Tensor1D): LossTerms {
    const f = tf.relu(this.preAct(x, 'b_enc')) as Tensor2D;
    const sparsity = tf.mul(lambda, tf.div(tf.sum(tf.mul(f, decNorm)), x.shape[0]));
    return { f, sparsity, aux: tf.scalar(0) };
  }

  protected exportTensors(C: number): ExportedTensors {
    return { tensors: { ...this.commonExport(C), b_enc: foldBias(this, C, 'b_enc') }, architecture: 'standard' };
  }
}
