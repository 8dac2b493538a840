// The SAE being trained: its parameters as tf Variables, one loss per architecture (spec §1.2, §3),
// and the export that folds the input normalisation into SAELens-format weights (spec §2.1).
// Everything here runs in the normalised space x = x_raw / C, with a pre-encoder bias b_dec.
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../tf';
import type { SaeConfig } from '../sae/types';
import type { ResolvedTrainConfig } from './config';
import { detached, makeJumpRelu, makeStep } from './jumprelu-ste';
import { matMul, sumRows } from './fast-ops';

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

export type HostTensors = Record<string, { data: Float32Array; shape: number[] }>;

const TRAINABLE: Record<string, string[]> = {
  jumprelu: ['W_enc', 'b_enc', 'W_dec', 'b_dec', 'threshold'],
  standard: ['W_enc', 'b_enc', 'W_dec', 'b_dec'],
  topk: ['W_enc', 'b_enc', 'W_dec', 'b_dec'],
  batchtopk: ['W_enc', 'b_enc', 'W_dec', 'b_dec'],
  gated: ['W_enc', 'b_gate', 'b_mag', 'r_mag', 'W_dec', 'b_dec'],
};

export class TrainingSae {
  readonly vars = new Map<string, tf.Variable>();
  private readonly jumpRelu;
  private readonly step;

  constructor(readonly cfg: ResolvedTrainConfig, init: HostTensors) {
    this.jumpRelu = makeJumpRelu(cfg.bandwidth);
    this.step = makeStep(cfg.bandwidth);
    for (const [name, t] of Object.entries(init)) {
      const init = tf.tensor(t.data, t.shape);
      this.vars.set(name, tf.variable(init, true, `${name}_${uid++}`));
      init.dispose();
    }
  }

  /** Paper initialisation ([GS] §3.2): He-uniform decoder rows rescaled to unit norm, W_enc = W_dec^T, zero biases, θ = θ₀. */
  static init(cfg: ResolvedTrainConfig, bDec?: Float32Array): TrainingSae {
    const { d_in, d_sae } = cfg;
    const wDec = tf.tidy(() => {
      const bound = Math.sqrt(6 / d_in);
      const w = tf.randomUniform([d_sae, d_in], -bound, bound, 'float32', cfg.seed);
      return tf.div(w, tf.norm(w, 'euclidean', 1, true));
    });
    // Not tf.tidy(() => t.dataSync()): tidy walks a returned typed array element by element.
    const wEnc = tf.transpose(wDec);
    const h: HostTensors = {
      W_dec: { data: wDec.dataSync() as Float32Array, shape: [d_sae, d_in] },
      W_enc: { data: wEnc.dataSync() as Float32Array, shape: [d_in, d_sae] },
      b_dec: { data: bDec ? Float32Array.from(bDec) : new Float32Array(d_in), shape: [d_in] },
    };
    tf.dispose([wDec, wEnc]);
    const zeros = () => ({ data: new Float32Array(d_sae), shape: [d_sae] });
    if (cfg.architecture === 'gated') {
      h.b_gate = zeros();
      h.b_mag = zeros();
      h.r_mag = zeros();
    } else h.b_enc = zeros();
    if (cfg.architecture === 'jumprelu') {
      const th = cfg.thresholdParam === 'log' ? Math.log(cfg.initThreshold) : cfg.initThreshold;
      h.threshold = { data: new Float32Array(d_sae).fill(th), shape: [d_sae] };
    }
    if (cfg.architecture === 'batchtopk') h.batch_threshold = { data: new Float32Array(1), shape: [1] };
    // Tokens since each latent last fired, for dead-latent counts and AuxK.
    h.tokens_since_fired = zeros();
    return new TrainingSae(cfg, h);
  }

  trainable(): tf.Variable[] {
    const names = this.cfg.thresholdsOnly ? ['threshold'] : TRAINABLE[this.cfg.architecture];
    return names.map((n) => this.v(n));
  }

  v(name: string): tf.Variable {
    const t = this.vars.get(name);
    if (!t) throw new Error(`training SAE (${this.cfg.architecture}) has no parameter "${name}"`);
    return t;
  }

  /** θ in training units: [d_sae]. */
  theta(): Tensor1D {
    const t = this.v('threshold');
    return (this.cfg.thresholdParam === 'log' ? tf.exp(t) : tf.relu(t)) as Tensor1D;
  }

  /** Pre-activation π = (x - b_dec) W_enc + b_enc: [batch, d_sae] (gated: the gate path). */
  private preAct(x: Tensor2D, bias: string): Tensor2D {
    return tf.add(matMul(tf.sub(x, this.v('b_dec')) as Tensor2D, this.v('W_enc') as Tensor2D), this.v(bias)) as Tensor2D;
  }

  /** Per-token keep mask of the k largest entries of a: [batch, d_sae] (no gradient). */
  private topkMask(a: Tensor2D, k: number): Tensor2D {
    const kth = tf.slice(tf.topk(a, k, true).values, [0, k - 1], [-1, 1]);
    return tf.cast(tf.greaterEqual(a, kth), 'float32') as Tensor2D;
  }

  /** Latents f in training units (inference semantics: BatchTopK uses its learned threshold). x: [batch, d_in]. */
  encode(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const a = this.cfg.architecture;
      if (a === 'gated') {
        const g = tf.matMul(tf.sub(x, this.v('b_dec')), this.v('W_enc'));
        const gate = tf.cast(tf.greater(tf.add(g, this.v('b_gate')), 0), 'float32');
        return tf.mul(gate, tf.relu(tf.add(tf.mul(g, tf.exp(this.v('r_mag'))), this.v('b_mag')))) as Tensor2D;
      }
      const pi = this.preAct(x, 'b_enc');
      if (a === 'jumprelu') return tf.mul(pi, tf.cast(tf.greater(pi, this.theta()), 'float32')) as Tensor2D;
      if (a === 'standard') return tf.relu(pi) as Tensor2D;
      if (a === 'topk') return tf.mul(tf.relu(pi), this.topkMask(pi, this.cfg.k)) as Tensor2D;
      return tf.mul(pi, tf.cast(tf.greater(pi, this.v('batch_threshold')), 'float32')) as Tensor2D;
    });
  }

  decode(f: Tensor2D): Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(f, this.v('W_dec')), this.v('b_dec')) as Tensor2D);
  }

  /**
   * The training loss of one batch x: [batch, d_in] at sparsity coefficient λ. Metric tensors are
   * kept (tf.keep) so they outlive the gradient tape; the caller disposes them.
   */
  loss(x: Tensor2D, lambda: number, out: { m?: StepMetrics }): tf.Scalar {
    const c = this.cfg;
    const a = c.architecture;
    const B = x.shape[0];
    const wDec = this.v('W_dec');
    const decNorm = tf.norm(wDec, 'euclidean', 1); // [d_sae]
    let f: Tensor2D;
    let sparsity: Tensor = tf.scalar(0);
    let aux: Tensor = tf.scalar(0);
    let minKept: Tensor | undefined;
    let pi: Tensor2D | undefined;
    if (a === 'jumprelu') {
      pi = this.preAct(x, 'b_enc');
      const th = this.theta();
      f = this.jumpRelu(pi, th);
      // L0 counts the step on the pre-activation π (spec §1.2, SAELens "step" mode).
      const meanL0 = tf.div(tf.sum(this.step(pi, th)), B);
      if (c.sparsityPenalty === 'quadratic_l0') {
        // Gemma Scope 2's penalty around a target L0* ([GS2] §2.3), on the batch-mean L0.
        const T = c.targetL0;
        sparsity = tf.mul(lambda * (2 / T), tf.square(tf.sub(meanL0, T)));
      } else sparsity = tf.mul(lambda, meanL0);
      if (c.preActLossCoefficient > 0) {
        const dead = this.deadMask();
        const pre = tf.sum(tf.mul(tf.mul(tf.relu(tf.sub(th, pi)), decNorm), dead));
        aux = tf.mul(c.preActLossCoefficient, tf.div(pre, B));
      }
    } else if (a === 'standard') {
      pi = this.preAct(x, 'b_enc');
      f = tf.relu(pi) as Tensor2D;
      // L1 weighted by decoder norms so rescaling W_enc/W_dec cannot cheat it (spec §3.1).
      sparsity = tf.mul(lambda, tf.div(tf.sum(tf.mul(f, decNorm)), B));
    } else if (a === 'gated') {
      const g = matMul(tf.sub(x, this.v('b_dec')) as Tensor2D, this.v('W_enc') as Tensor2D);
      const piGate = tf.add(g, this.v('b_gate'));
      const piMag = tf.add(tf.mul(g, tf.exp(this.v('r_mag'))), this.v('b_mag'));
      const gate = detached((p) => tf.cast(tf.greater(p, 0), 'float32'))(piGate); // Heaviside: no gradient
      f = tf.mul(gate, tf.relu(piMag)) as Tensor2D;
      const fGate = tf.relu(piGate) as Tensor2D;
      sparsity = tf.mul(lambda, tf.div(tf.sum(tf.mul(fGate, decNorm)), B));
      // Auxiliary reconstruction through the gate path with a frozen decoder ([DL] gdm.py).
      const freeze = detached((t) => tf.clone(t));
      const xFrozen = tf.add(matMul(fGate, freeze(wDec) as Tensor2D), freeze(this.v('b_dec')));
      aux = tf.div(tf.sum(tf.square(tf.sub(x, xFrozen))), B);
    } else {
      pi = this.preAct(x, 'b_enc');
      const r = tf.relu(pi) as Tensor2D;
      let mask: Tensor2D;
      if (a === 'topk') mask = detached((p) => this.topkMask(p as Tensor2D, c.k))(pi);
      else {
        // BatchTopK: keep the k·B largest activations of the flattened batch (spec §3.4).
        const kb = Math.min(c.k * B, B * c.d_sae);
        mask = detached<Tensor2D>((rr) => {
          const kth = tf.slice(tf.topk(tf.reshape(rr, [-1]), kb, true).values, [kb - 1], [1]); // sorted: unsorted topk does not end at the k-th value
          minKept = tf.keep(tf.reshape(kth, []));
          return tf.cast(tf.logicalAnd(tf.greaterEqual(rr, kth), tf.greater(rr, 0)), 'float32') as Tensor2D;
        })(r);
      }
      f = tf.mul(r, mask) as Tensor2D;
    }
    const xHat = tf.add(matMul(f, wDec as Tensor2D), this.v('b_dec'));
    const err = tf.sub(x, xHat);
    const sse = tf.sum(tf.square(err));
    const mse = tf.div(sse, B);
    if ((a === 'topk' || a === 'batchtopk') && c.auxKCoefficient > 0 && pi) aux = this.auxK(pi, detached((e) => tf.clone(e))(err) as Tensor2D);
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
      minKept,
    };
    return loss;
  }

  /** [d_sae] 1 for latents that have not fired within the dead window. */
  deadMask(): Tensor1D {
    return tf.cast(tf.greaterEqual(this.v('tokens_since_fired'), this.cfg.deadTokensWindow), 'float32') as Tensor1D;
  }

  /**
   * AuxK ([TopK] §2.4): reconstruct the detached residual e from the k_aux largest pre-activations
   * among dead latents, decoded without bias; normalised by the variance of e ([OAI], [DL]).
   */
  private auxK(pi: Tensor2D, e: Tensor2D): Tensor {
    const dead = this.deadMask();
    const nDead = tf.sum(dead).dataSync()[0];
    if (nDead === 0) return tf.scalar(0);
    const kAux = Math.min(this.cfg.kAux, nDead);
    const mask = detached((p) => tf.mul(this.topkMask(tf.add(tf.mul(p, dead), tf.mul(tf.sub(1, dead), -1e9)) as Tensor2D, kAux), dead))(pi);
    const eHat = matMul(tf.mul(tf.relu(pi), mask) as Tensor2D, this.v('W_dec') as Tensor2D);
    const num = tf.sum(tf.square(tf.sub(e, eHat)));
    const den = tf.sum(tf.square(tf.sub(e, tf.mean(e, 0, true))));
    return tf.mul(this.cfg.auxKCoefficient, tf.div(num, tf.maximum(den, 1e-12)));
  }

  /**
   * Parameters for a raw-activation SAE, SAELens names. C is the normalisation factor
   * (x_train = x_raw / C). Folding per [GS] App. B: b_enc' = C(b_enc − b_dec·W_enc), θ' = Cθ,
   * b_dec' = C·b_dec, W_enc and W_dec unchanged; apply_b_dec_to_input becomes false. Latents come
   * out C times the training-time ones; reconstructions are exactly C·x̂.
   */
  exportParams(C: number): { params: HostTensors; architecture: SaeConfig['architecture'] } {
    // A scope, not tf.tidy: tidy would walk the returned typed arrays element by element.
    tf.engine().startScope();
    try {
      const host = (t: Tensor): { data: Float32Array; shape: number[] } => ({ data: Float32Array.from(t.dataSync() as Float32Array), shape: t.shape.slice() });
      const a = this.cfg.architecture;
      const bW = tf.squeeze(tf.matMul(tf.expandDims(this.v('b_dec'), 0), this.v('W_enc')), [0]); // [d_sae]
      const fold = (b: string) => host(tf.mul(C, tf.sub(this.v(b), b === 'b_mag' ? tf.mul(bW, tf.exp(this.v('r_mag'))) : bW)));
      const p: HostTensors = { W_enc: host(this.v('W_enc')), W_dec: host(this.v('W_dec')), b_dec: host(tf.mul(C, this.v('b_dec'))) };
      if (a === 'gated') {
        p.b_gate = fold('b_gate');
        p.b_mag = fold('b_mag');
        p.r_mag = host(this.v('r_mag'));
        return { params: p, architecture: 'gated' };
      }
      p.b_enc = fold('b_enc');
      if (a === 'jumprelu') p.threshold = host(tf.mul(C, this.theta()));
      if (a === 'batchtopk') {
        // Saved as JumpReLU with one shared threshold, as SAELens does (spec §3.4).
        p.threshold = host(tf.mul(C, tf.fill([this.cfg.d_sae], this.v('batch_threshold').dataSync()[0])));
        return { params: p, architecture: 'jumprelu' };
      }
      return { params: p, architecture: a };
    } finally {
      tf.engine().endScope();
    }
  }

  /** This SAE on raw activations (x_train = x_raw / C), for evaluation without exporting. */
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

let uid = 0;
