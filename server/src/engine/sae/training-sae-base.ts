// What every SAE under training shares: parameters as tf Variables, the affine decoder, the MSE and
// metric tensors of a step, the dead-latent mask, snapshots and disposal. Each architecture's file
// (jumprelu.ts, standard.ts, ...) subclasses this with its encoder, its loss terms, its trainable
// parameters, its initialisation and its SAELens export (spec §1.2, §2.1, §3).
// Everything here runs in the normalised space x = x_raw / C, with a pre-encoder bias b_dec.
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import type { ResolvedTrainConfig } from '../train/config';
import { detached } from '../train/jumprelu-ste';
import { matMul, sumRows } from '../train/fast-ops';
import type { SaeConfig } from './types';

export type HostTensors = Record<string, { data: Float32Array; shape: number[] }>;

export interface StepMetrics {
  loss: Tensor;
  mse: Tensor;
  sparsity: Tensor;
  aux: Tensor;
  /** Mean number of active latents per token. */
  l0: Tensor;
  /** 1 - Σ||x - x̂||² / Σ||x - mean(x)||² over the batch. */
  explainedVariance: Tensor;
  /** [d_sae] 1 where the latent fired on any token of the batch. */
  fired: Tensor;
  /** BatchTopK: the smallest kept activation of this batch (for the threshold EMA). */
  minKept?: Tensor;
}

/** An architecture's part of one step's loss, computed inside the gradient tape. */
export interface LossTerms {
  /** Latents f: [batch, d_sae]. */
  f: Tensor2D;
  sparsity: Tensor;
  aux: Tensor;
  minKept?: Tensor;
  /** An auxiliary loss on the (detached) residual e = x − x̂: [batch, d_in], replacing `aux` (AuxK). */
  residualAux?: (e: Tensor2D) => Tensor;
}

/** SAELens-named raw-space tensors and the architecture cfg.json should declare. */
export interface ExportedTensors {
  tensors: Record<string, Tensor>;
  architecture: SaeConfig['architecture'];
  /** Architecture fields for cfg.json (TopK: k). */
  cfgFields?: Partial<SaeConfig>;
}

/** The static side of a training class: what the registry and the trainer call before a step. */
export interface TrainingSaeClass {
  new (cfg: ResolvedTrainConfig, init: HostTensors): TrainingSae;
  /** Adds the architecture's parameters and state to the common initialisation `h`. */
  initParams(cfg: ResolvedTrainConfig, h: HostTensors): void;
  /** Completes given training-space parameters (fine-tuning) with the variables training needs. */
  withState(cfg: ResolvedTrainConfig, p: HostTensors): HostTensors;
  /** b_dec starts at the data mean rather than zero. */
  readonly bDecFromMean: boolean;
  /** Checks the resolved config's architecture fields; throws naming the field. */
  validate(cfg: ResolvedTrainConfig): void;
}

export abstract class TrainingSae {
  /** Default: one encoder bias b_enc, zero. */
  static initParams(cfg: ResolvedTrainConfig, h: HostTensors): void {
    h.b_enc = zerosHost(cfg.d_sae);
  }

  static withState(cfg: ResolvedTrainConfig, p: HostTensors): HostTensors {
    return { ...p, tokens_since_fired: p.tokens_since_fired ?? zerosHost(cfg.d_sae) };
  }

  static readonly bDecFromMean: boolean = false;

  static validate(_cfg: ResolvedTrainConfig): void {}

  readonly vars = new Map<string, tf.Variable>();
  /** Parameters Adam updates (without thresholdsOnly). */
  protected abstract readonly trainableNames: readonly string[];

  constructor(
    readonly cfg: ResolvedTrainConfig,
    init: HostTensors,
  ) {
    for (const [name, t] of Object.entries(init)) {
      const init = tf.tensor(t.data, t.shape);
      this.vars.set(name, tf.variable(init, true, `${name}_${uid++}`));
      init.dispose();
    }
  }

  trainable(): tf.Variable[] {
    const names = this.cfg.thresholdsOnly ? ['threshold'] : this.trainableNames;
    return names.map((n) => this.v(n));
  }

  v(name: string): tf.Variable {
    const t = this.vars.get(name);
    if (!t) throw new Error(`training SAE (${this.cfg.architecture}) has no parameter "${name}"`);
    return t;
  }

  /** θ in raw-free training units for the threshold-quantile plot: [d_sae], or undefined. */
  thresholds(): Tensor1D | undefined {
    return undefined;
  }

  /** Latents f in training units (inference semantics). x: [batch, d_in] -> [batch, d_sae]. */
  abstract encode(x: Tensor2D): Tensor2D;

  /** After the optimiser update, inside a tidy: architecture state that follows the batch (BatchTopK θ). */
  updateState(_m: StepMetrics, _step: number): void {}

  /** The architecture's loss terms. decNorm: [d_sae] decoder row norms. */
  protected abstract lossTerms(x: Tensor2D, lambda: number, decNorm: Tensor1D): LossTerms;

  /** Raw-space parameters (SAELens names) at normalisation factor C; runs inside a tidy. */
  protected abstract exportTensors(C: number): ExportedTensors;

  /** Pre-activation π = (x - b_dec) W_enc + b_enc: [batch, d_sae]. */
  protected preAct(x: Tensor2D, bias: string): Tensor2D {
    return tf.add(matMul(tf.sub(x, this.v('b_dec')) as Tensor2D, this.v('W_enc') as Tensor2D), this.v(bias)) as Tensor2D;
  }

  decode(f: Tensor2D): Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(f, this.v('W_dec')), this.v('b_dec')) as Tensor2D);
  }

  /**
   * The training loss of one batch x: [batch, d_in] at sparsity coefficient λ. Metric tensors are
   * kept (tf.keep) so they outlive the gradient tape; the caller disposes them.
   */
  loss(x: Tensor2D, lambda: number, out: { m?: StepMetrics }): tf.Scalar {
    const B = x.shape[0];
    const wDec = this.v('W_dec');
    const decNorm = tf.norm(wDec, 'euclidean', 1) as Tensor1D; // [d_sae]
    const terms = this.lossTerms(x, lambda, decNorm);
    const { f, sparsity } = terms;
    const xHat = tf.add(matMul(f, wDec as Tensor2D), this.v('b_dec'));
    const err = tf.sub(x, xHat);
    const sse = tf.sum(tf.square(err));
    const mse = tf.div(sse, B);
    const aux = terms.residualAux ? terms.residualAux(detached((e) => tf.clone(e))(err) as Tensor2D) : terms.aux;
    const loss = tf.add(tf.add(mse, sparsity), aux) as tf.Scalar;
    const active = tf.cast(tf.greater(f, 0), 'float32');
    const centred = tf.sub(x, tf.div(sumRows(x), B));
    out.m = {
      loss: tf.keep(tf.clone(loss)),
      mse: tf.keep(mse),
      sparsity: tf.keep(sparsity),
      aux: tf.keep(aux),
      l0: tf.keep(tf.div(tf.sum(active), B)),
      explainedVariance: tf.keep(tf.sub(1, tf.div(sse, tf.sum(tf.square(centred))))),
      fired: tf.keep(tf.cast(tf.greater(sumRows(active as Tensor2D), 0), 'float32')),
      minKept: terms.minKept,
    };
    return loss;
  }

  /** [d_sae] 1 for latents that have not fired within the dead window. */
  deadMask(): Tensor1D {
    return tf.cast(tf.greaterEqual(this.v('tokens_since_fired'), this.cfg.deadTokensWindow), 'float32') as Tensor1D;
  }

  /**
   * Parameters for a raw-activation SAE, SAELens names. C is the normalisation factor
   * (x_train = x_raw / C). Folding per [GS] App. B: b_enc' = C(b_enc − b_dec·W_enc), θ' = Cθ,
   * b_dec' = C·b_dec, W_enc and W_dec unchanged; apply_b_dec_to_input becomes false. Latents come
   * out C times the training-time ones; reconstructions are exactly C·x̂.
   */
  exportParams(C: number): { params: HostTensors; architecture: SaeConfig['architecture']; cfgFields: Partial<SaeConfig> } {
    let meta: Omit<ExportedTensors, 'tensors'> = { architecture: this.cfg.architecture };
    // Tensors come out of the tidy and are read after it: tidy would walk returned typed arrays.
    const tensors = tf.tidy(() => {
      const { tensors, ...rest } = this.exportTensors(C);
      meta = rest;
      return tensors;
    });
    const params: HostTensors = {};
    for (const [n, t] of Object.entries(tensors)) params[n] = { data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape.slice() };
    tf.dispose(Object.values(tensors));
    return { params, architecture: meta.architecture, cfgFields: meta.cfgFields ?? {} };
  }

  /** W_enc, W_dec, C·b_dec: what every architecture exports unchanged. Inside a tidy. */
  protected commonExport(C: number): Record<string, Tensor> {
    return { W_enc: tf.clone(this.v('W_enc')), W_dec: tf.clone(this.v('W_dec')), b_dec: tf.mul(C, this.v('b_dec')) };
  }

  /** b_dec·W_enc: [d_sae], the shift folding the pre-encoder bias into an encoder bias. Inside a tidy. */
  bDecShift(): Tensor1D {
    return tf.squeeze(tf.matMul(tf.expandDims(this.v('b_dec'), 0), this.v('W_enc')), [0]) as Tensor1D;
  }

  /**
   * This SAE on raw activations (x_train = x_raw / C), for evaluation without exporting. During a
   * run use Trainer.frozenRaw: after native steps (which update the variables in place) a tfjs matmul
   * on these variables may reuse weights XNNPACK packed earlier.
   */
  asRaw(C: number): { dSae: number; encode(x: Tensor2D): Tensor2D; decode(f: Tensor2D): Tensor2D } {
    return {
      dSae: this.cfg.d_sae,
      encode: (x) => tf.tidy(() => tf.mul(this.encode(tf.div(x, C) as Tensor2D), C) as Tensor2D),
      decode: (f) => tf.tidy(() => tf.mul(this.decode(tf.div(f, C) as Tensor2D), C) as Tensor2D),
    };
  }

  /** All variables (parameters and training state) to host memory, for checkpoints. */
  snapshot(): HostTensors {
    const out: HostTensors = {};
    for (const [n, v] of this.vars) out[n] = { data: Float32Array.from(v.dataSync() as Float32Array), shape: v.shape.slice() };
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/**
 * The paper initialisation shared by every architecture ([GS] §3.2): He-uniform decoder rows
 * rescaled to unit norm, W_enc = W_dec^T, b_dec (zeros or given), and the dead-latent counter.
 * Architecture-specific parameters are added by each training class's `initParams`.
 */
export function commonInit(cfg: ResolvedTrainConfig, bDec?: Float32Array): HostTensors {
  const { d_in, d_sae } = cfg;
  const wDec = tf.tidy(() => {
    const bound = Math.sqrt(6 / d_in);
    const w = tf.randomUniform([d_sae, d_in], -bound, bound, 'float32', cfg.seed);
    return tf.div(w, tf.norm(w, 'euclidean', 1, true));
  });
  const wEnc = tf.transpose(wDec);
  const h: HostTensors = {
    W_dec: { data: Float32Array.from(wDec.dataSync() as Float32Array), shape: [d_sae, d_in] },
    W_enc: { data: Float32Array.from(wEnc.dataSync() as Float32Array), shape: [d_in, d_sae] },
    b_dec: { data: bDec ? Float32Array.from(bDec) : new Float32Array(d_in), shape: [d_in] },
  };
  tf.dispose([wDec, wEnc]);
  // Tokens since each latent last fired, for dead-latent counts and AuxK.
  h.tokens_since_fired = zerosHost(d_sae);
  return h;
}

export function zerosHost(n: number): { data: Float32Array; shape: number[] } {
  return { data: new Float32Array(n), shape: [n] };
}

let uid = 0;
