// What every SAE architecture shares: the SAELens input pipeline (normalisation, pre-encoder bias),
// the affine decoder, and parameter ownership. Subclasses supply only the encoder nonlinearity.
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import { nativeEncodeDense } from '../native/encode-dense';
import { normaliseIn, unscaleOut } from './normalization';
import type { Sae, SaeArchitecture, SaeConfig, SaeParams } from './types';

export abstract class BaseSae implements Sae {
  readonly dIn: number;
  readonly dSae: number;
  readonly architecture: SaeArchitecture;
  protected readonly W_dec: Tensor2D;
  protected readonly b_dec: Tensor1D;

  constructor(
    readonly cfg: SaeConfig,
    protected readonly p: SaeParams,
    /** expected_average_only_in: the dataset-wide factor activations are multiplied by before encoding. */
    readonly scalingFactor?: number,
  ) {
    this.dIn = cfg.d_in;
    this.dSae = cfg.d_sae;
    this.architecture = cfg.architecture;
    this.W_dec = p.W_dec as Tensor2D;
    this.b_dec = p.b_dec as Tensor1D;
  }

  /** Checks the architecture's own cfg.json fields; throws naming `file` (default: none). */
  static validateConfig(_cfg: SaeConfig, _file: string): void {}

  /** Normalises file tensors in place before createSae checks their shapes (default: none). */
  static prepareParams(_cfg: SaeConfig, _p: SaeParams): void {}

  get hookName(): string {
    return (this.cfg.metadata.hook_name as string | undefined) ?? '';
  }

  /** x: [batch, d_in] raw -> f: [batch, d_sae]. */
  encode(x: Tensor2D): Tensor2D {
    return nativeEncodeDense(this, x) ?? tf.tidy(() => this.activate(this.preprocess(x).xIn));
  }

  /** f: [batch, d_sae] -> x_hat: [batch, d_in] in raw units (undoing only dataset-wide scaling). */
  decode(f: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      if (f.shape.length !== 2 || f.shape[1] !== this.dSae)
        throw new Error(`SAE decode expects features of shape [batch, d_sae=${this.dSae}], got [${f.shape.join(', ')}]`);
      return unscaleOut(this.decodeNormalised(f), this.cfg.normalize_activations, this.scalingFactor);
    });
  }

  forward(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const { xIn, undo } = this.preprocess(x);
      return undo(this.decodeNormalised(this.activate(xIn)));
    });
  }

  threshold(): Tensor1D | undefined {
    return undefined;
  }

  params(): SaeParams {
    return this.p;
  }

  dispose(): void {
    for (const t of Object.values(this.p)) t.dispose();
  }

  /** xIn: [batch, d_in] normalised, with b_dec subtracted if configured -> f: [batch, d_sae]. */
  protected abstract activate(xIn: Tensor2D): Tensor2D;

  protected decodeNormalised(f: Tensor2D): Tensor2D {
    return tf.add(tf.matMul(f, this.W_dec), this.b_dec) as Tensor2D;
  }

  /** SAELens's run-time normalisation (normalization.ts) then the pre-encoder bias. */
  protected preprocess(x: Tensor2D): { xIn: Tensor2D; undo: (y: Tensor2D) => Tensor2D } {
    if (x.shape.length !== 2 || x.shape[1] !== this.dIn) throw new Error(`SAE expects inputs of shape [batch, d_in=${this.dIn}], got [${x.shape.join(', ')}]`);
    const { xn, undo } = normaliseIn(x, this.cfg.normalize_activations, this.scalingFactor);
    const xIn = this.cfg.apply_b_dec_to_input ? (tf.sub(xn, this.b_dec) as Tensor2D) : xn;
    return { xIn, undo };
  }

  /** ReLU(xIn W_enc + b_enc): [batch, d_sae], as one fused kernel (no separate bias and ReLU passes). */
  protected reluPreActivation(xIn: Tensor2D): Tensor2D {
    return tf.fused.matMul({ a: xIn, b: this.p.W_enc as Tensor2D, bias: this.p.b_enc, activation: 'relu' }) as Tensor2D;
  }

  /** z = xIn W_enc + b_enc: [batch, d_sae]. */
  protected preActivation(xIn: Tensor2D, W: Tensor = this.p.W_enc, b: Tensor = this.p.b_enc): Tensor2D {
    return tf.add(tf.matMul(xIn, W as Tensor2D), b) as Tensor2D;
  }
}
