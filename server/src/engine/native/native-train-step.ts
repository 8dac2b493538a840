// The fused native SAE step (native/src/sae_step.cc): the same loss, gradients, decoder projection,
// Adam, renorm, dead-latent counters and BatchTopK threshold EMA as TrainingSae.loss + Trainer.step
// in tfjs, computed in place on the tf Variables' WASM memory (host-view.ts) so checkpoints,
// exports and events read the same variables whichever path ran. tfjs stays the reference; the
// tests step both from one init and compare.
import { tf, type Tensor2D } from '../tf';
import type { Adam } from '../train/adam';
import type { ResolvedTrainConfig } from '../train/config';
import type { StepMetrics, TrainingSae } from '../sae/training-sae-base';
import { nativeAddon, nativeStatus, type NativeAddon, type NativeScratch } from './addon';
import { ensureUnique, hostView, hostViewUnavailable } from './host-view';

const ARCH_CODE: Record<ResolvedTrainConfig['architecture'], number> = { jumprelu: 0, standard: 1, topk: 2, batchtopk: 3, gated: 4 };
const STATE = ['tokens_since_fired', 'batch_threshold'];

/** Why the native step will not run for this config here, or undefined when it will. */
export function nativeTrainUnavailable(): string | undefined {
  const st = nativeStatus();
  if (!st.addon) return `native addon ${st.detail}`;
  return hostViewUnavailable();
}

/** The native step for this trainer, or undefined (tfjs then runs the step) when it cannot run here. */
export function createNativeTrainStep(cfg: ResolvedTrainConfig, sae: TrainingSae, adam: Adam): NativeTrainStep | undefined {
  if (nativeTrainUnavailable()) return undefined;
  return new NativeTrainStep(nativeAddon()!, cfg, sae, adam);
}

export class NativeTrainStep {
  private readonly scratch: NativeScratch;
  private readonly trainableNames: string[];

  constructor(
    private readonly addon: NativeAddon,
    readonly cfg: ResolvedTrainConfig,
    readonly sae: TrainingSae,
    readonly adam: Adam,
  ) {
    this.scratch = addon.createScratch();
    const trainable = new Set(sae.trainable());
    this.trainableNames = [...sae.vars].filter(([, v]) => trainable.has(v)).map(([n]) => n);
  }

  /**
   * One optimisation step on x: [batch, d_in] at schedule values lr and λ; updates the SAE's and
   * Adam's variables in place. Returns the step's metrics as tensors, as TrainingSae.loss does.
   */
  step(x: Tensor2D, stepIndex: number, lr: number, lambda: number): StepMetrics {
    const c = this.cfg;
    const [B, D] = x.shape;
    if (D !== c.d_in) throw new Error(`native train step: batch has d_in ${D}, the SAE ${c.d_in}`);
    this.prepareMoments();
    this.adam.t++;
    const params: Record<string, Float32Array> = {};
    const m: Record<string, Float32Array> = {};
    const v: Record<string, Float32Array> = {};
    // Views last: nothing below allocates on the WASM heap until trainStep returns.
    for (const [name, t] of this.sae.vars) if (!STATE.includes(name)) params[name] = hostView(t);
    for (const name of this.trainableNames) {
      m[name] = hostView(this.adam.m.get(name)!);
      v[name] = hostView(this.adam.v.get(name)!);
    }
    const fired = new Float32Array(c.d_sae);
    const r = this.addon.trainStep(
      this.scratch,
      {
        params,
        m,
        v,
        x: hostView(x),
        fired,
        tokens_since_fired: hostView(this.sae.v('tokens_since_fired')),
        batch_threshold: c.architecture === 'batchtopk' ? hostView(this.sae.v('batch_threshold')) : undefined,
      },
      {
        arch: ARCH_CODE[c.architecture],
        B,
        D,
        S: c.d_sae,
        lr,
        lambda,
        bc1: 1 - Math.pow(this.adam.beta1, this.adam.t),
        bc2: 1 - Math.pow(this.adam.beta2, this.adam.t),
        beta1: this.adam.beta1,
        beta2: this.adam.beta2,
        eps: this.adam.eps,
        bandwidth: c.bandwidth,
        logTheta: c.thresholdParam === 'log' ? 1 : 0,
        quadratic: c.sparsityPenalty === 'quadratic_l0' ? 1 : 0,
        thresholdsOnly: c.thresholdsOnly ? 1 : 0,
        targetL0: c.targetL0,
        preActCoef: c.architecture === 'jumprelu' ? c.preActLossCoefficient : 0,
        auxKCoef: c.auxKCoefficient,
        deadWindow: c.deadTokensWindow,
        emaRate: c.thresholdEmaRate,
        k: c.k,
        kAux: c.kAux,
        stepIndex,
      },
    );
    return {
      loss: tf.scalar(r.loss),
      mse: tf.scalar(r.mse),
      sparsity: tf.scalar(r.sparsity),
      aux: tf.scalar(r.aux),
      l0: tf.scalar(r.l0),
      explainedVariance: tf.scalar(r.explainedVariance),
      fired: tf.tensor1d(fired),
      minKept: r.minKept === undefined ? undefined : tf.scalar(r.minKept),
    };
  }

  /** Adam's moments for every trainable variable (created as tfjs's Adam would), each with its own buffer. */
  private prepareMoments(): void {
    for (const name of this.trainableNames) {
      const p = this.sae.v(name);
      ensureUnique(p);
      for (const moments of [this.adam.m, this.adam.v]) {
        const cur = moments.get(name);
        if (cur) ensureUnique(cur);
        else {
          const z = tf.zeros(p.shape);
          moments.set(name, tf.variable(z, false));
          z.dispose();
        }
      }
    }
    for (const name of STATE) if (this.sae.vars.has(name)) ensureUnique(this.sae.v(name));
  }

  dispose(): void {
    this.addon.releaseScratch(this.scratch);
  }
}
