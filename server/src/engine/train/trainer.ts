// The training loop shared by every architecture: schedules, unit-norm decoder with gradient
// projection, Adam, dead-latent tracking, progress events, atomic checkpoints and exact resume.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf, type Tensor, type Tensor2D } from '../tf';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../io/safetensors';
import { writeSaeLensDir } from '../sae/io/saelens-dir';
import { architectureOf, initTrainingSae, restoreTrainingSae, trainingSaeFromParams } from '../sae/registry';
import type { HostTensors, StepMetrics, TrainingSae } from '../sae/training-sae-base';
import type { SaeConfig } from '../sae/types';
import type { EncoderDecoder } from '../eval/sae-metrics';
import { Adam } from './adam';
import { checkFiniteLoss, checkFiniteParams } from './finite-guard';
import type { ActivationSource } from './activation-source';
import { lrAt, resolveTrainConfig, sparsityCoefficientAt, type ResolvedTrainConfig } from './config';
import { chooseJumpReluInit, needsDataInit, type JumpReluInit } from './jumprelu-init';
import type { TrainConfig, TrainProgressEvent, TrainResult } from './types';
import { createNativeTrainStep, type NativeTrainStep } from '../native/native-train-step';

export type { HostTensors, StepMetrics, TrainingSae };

export interface TrainOptions {
  onProgress?: (e: TrainProgressEvent) => void;
  /** Polled every step; when true the run checkpoints and returns early (Ctrl-C). */
  shouldStop?: () => boolean;
  /** Continue from out/checkpoints/ckpt.safetensors if it exists. */
  resume?: boolean;
  /** Start from these (training-space) parameters instead of the paper initialisation. */
  initParams?: HostTensors;
  /** Recorded in cfg.json metadata (model_name, hook_name, context_size, prepend_bos, dataset_path). */
  metadata?: Record<string, unknown>;
  /** Skip writing the SAE directory at the end (sweeps that evaluate first). */
  noExport?: boolean;
}

export interface TrainRun extends TrainResult {
  stopped: boolean;
  /** Normalisation factor C: x_train = x_raw / C. */
  scale: number;
  sae: TrainingSae;
  config: ResolvedTrainConfig;
  /** Frees the SAE's and the optimiser's tensors. */
  dispose(): void;
}

export const CHECKPOINT_FILE = path.join('checkpoints', 'ckpt.safetensors');

/** Trains one SAE on `source`. The returned run owns `sae`; dispose it when done. */
export async function trainSae(raw: TrainConfig, source: ActivationSource, opts: TrainOptions = {}): Promise<TrainRun> {
  const cfg = resolveTrainConfig(raw, source.dIn);
  const trainer = new Trainer(cfg, source, raw.out, opts);
  try {
    return await trainer.run(raw);
  } catch (e) {
    trainer.dispose();
    throw e;
  }
}

/** One SAE's state and step. Exposed so sweeps can step several SAEs in lockstep on one batch. */
export class Trainer {
  readonly sae: TrainingSae;
  readonly adam: Adam;
  /** The fused native step when the addon runs here (native/), else undefined and tfjs steps. */
  private readonly native: NativeTrainStep | undefined;
  scale: number;
  stepIndex = 0;
  tokens = 0;
  private log: TrainProgressEvent[] = [];
  private last: TrainProgressEvent | undefined;
  /** How JumpReLU's θ₀ and ε were chosen (recorded in cfg.json). */
  jumpReluInit: JumpReluInit['summary'] | undefined;

  constructor(
    readonly cfg: ResolvedTrainConfig,
    readonly source: ActivationSource,
    readonly out: string,
    readonly opts: TrainOptions = {},
  ) {
    const ckpt = path.join(out, CHECKPOINT_FILE);
    this.adam = new Adam(cfg.adamBeta1, cfg.adamBeta2, cfg.adamEps);
    if (opts.resume && existsSync(ckpt)) {
      const header = readSafetensorsHeader(ckpt);
      const meta = JSON.parse(header.metadata.jumplens_state ?? 'null') as {
        step: number;
        tokens: number;
        scale: number;
        adamT: number;
        bandwidth?: number;
        jumpReluInit?: JumpReluInit['summary'];
      } | null;
      if (!meta || typeof meta.step !== 'number') throw new Error(`${ckpt}: checkpoint metadata "jumplens_state" missing or invalid`);
      const tensors = readSafetensors(ckpt);
      const params: HostTensors = {};
      for (const [k, v] of tensors) if (!k.startsWith('adam_')) params[k] = { data: v.data, shape: v.shape };
      // A run whose ε was chosen from the data resumes with that ε (the checkpoint keeps it).
      if (Number.isNaN(cfg.bandwidth) && meta.bandwidth)
        this.cfg = { ...cfg, bandwidth: meta.bandwidth, initThreshold: meta.jumpReluInit?.initThreshold.median ?? Number.NaN };
      this.jumpReluInit = meta.jumpReluInit;
      this.sae = restoreTrainingSae(this.cfg, params);
      this.adam.restore(tensors, meta.adamT);
      this.stepIndex = meta.step;
      this.tokens = meta.tokens;
      this.scale = meta.scale;
      const logFile = path.join(out, 'train-log.jsonl');
      if (existsSync(logFile)) {
        this.log = readFileSync(logFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as TrainProgressEvent)
          .filter((e) => e.step <= this.stepIndex);
      }
    } else {
      // Dataset-wide scalar normalisation E||x/C||² = 1 ([GS] §3.1).
      this.scale = cfg.normalize ? Math.sqrt(source.meanSquaredNorm()) : 1;
      if (!(this.scale > 0)) throw new Error(`activations: mean squared norm is ${this.scale ** 2}; cannot normalise`);
      // TopK-family: b_dec starts at the data mean ([TopK] uses the geometric median; the mean is our simplification).
      const bDec = !opts.initParams && architectureOf(cfg.architecture).training.bDecFromMean ? source.mean(65536).map((v) => v / this.scale) : undefined;
      const build = (c: ResolvedTrainConfig) => (opts.initParams ? trainingSaeFromParams(c, opts.initParams) : initTrainingSae(c, bDec));
      if (needsDataInit(cfg)) [this.sae, this.cfg] = this.initJumpReluFromData(build({ ...cfg, bandwidth: 1, initThreshold: 1 }));
      else this.sae = build(cfg);
    }
    this.native = createNativeTrainStep(this.cfg, this.sae, this.adam);
  }

  /** θ₀ and ε from the first batch's pre-activations under `probe` (jumprelu-init.ts); returns the SAE to train and its config. */
  private initJumpReluFromData(probe: TrainingSae): [TrainingSae, ResolvedTrainConfig] {
    const c = this.cfg;
    const x0 = this.batchTensor(0);
    // piT: [batch, d_sae], the pre-activation π = (x − b_dec)·W_enc + b_enc of the first batch.
    const piT = tf.tidy(() => tf.add(tf.matMul(tf.sub(x0, probe.v('b_dec')), probe.v('W_enc')), probe.v('b_enc')));
    const pi = piT.dataSync() as Float32Array;
    piT.dispose();
    x0.dispose();
    const given = (v: number) => (Number.isNaN(v) ? undefined : v);
    const init = chooseJumpReluInit(pi, c.batchSize, {
      d_sae: c.d_sae,
      initL0: c.initL0,
      bandwidthScale: c.bandwidthScale,
      initThreshold: given(c.initThreshold),
      bandwidth: given(c.bandwidth),
    });
    const host = probe.snapshot();
    probe.dispose();
    // Fine-tuning keeps the SAE's own thresholds; only ε comes from the data then.
    if (!this.opts.initParams) host.threshold = { data: c.thresholdParam === 'log' ? init.initThreshold.map(Math.log) : init.initThreshold, shape: [c.d_sae] };
    const cfg = { ...c, bandwidth: init.bandwidth, initThreshold: init.summary.initThreshold.median };
    this.jumpReluInit = init.summary;
    return [restoreTrainingSae(cfg, host), cfg];
  }

  /**
   * A copy of the SAE now, on raw activations, for evaluation during a run; dispose it after. Not
   * `sae.asRaw`: the native step updates the variables in place, and tfjs-wasm's XNNPACK matmul keeps
   * packed weights per tensor, so a matmul on the live variables after a native step can use the
   * weights of an earlier one. A copy has fresh tensors.
   */
  frozenRaw(): EncoderDecoder & { dispose(): void } {
    const copy = restoreTrainingSae(this.cfg, this.sae.snapshot());
    return { ...copy.asRaw(this.scale), dispose: () => copy.dispose() };
  }

  /** The logged events so far (restored from train-log.jsonl on resume). */
  get history(): readonly TrainProgressEvent[] {
    return this.log;
  }

  dispose(): void {
    this.native?.dispose();
    this.sae.dispose();
    this.adam.dispose();
  }

  done(): boolean {
    return this.stepIndex >= this.cfg.steps;
  }

  /** One optimisation step on batch x: [batch, d_in] (training units). Returns the event when logged. */
  step(x: Tensor2D): TrainProgressEvent | undefined {
    const c = this.cfg;
    const s = this.stepIndex;
    const lr = lrAt(c, s);
    const lambda = sparsityCoefficientAt(c, s);
    const holder: { m?: StepMetrics } = {};
    if (this.native) {
      const m = this.native.step(x, s, lr, lambda);
      holder.m = m;
      checkFiniteLoss(m.loss as tf.Scalar, s + 1, path.join(this.out, CHECKPOINT_FILE), () => Object.values(m).filter((t): t is Tensor => t !== undefined));
    } else this.tfjsUpdate(x, s, lr, lambda, holder);
    this.stepIndex++;
    this.tokens += x.shape[0];
    const m = holder.m!;
    let event: TrainProgressEvent | undefined;
    if (this.stepIndex % c.logEvery === 0 || this.stepIndex === c.steps || this.stepIndex === 1) {
      const deadT = tf.tidy(() => tf.sum(this.sae.deadMask()));
      const dead = deadT.dataSync()[0];
      deadT.dispose();
      event = {
        step: this.stepIndex,
        totalSteps: c.steps,
        tokens: this.tokens,
        'losses/mse_loss': m.mse.dataSync()[0],
        'losses/sparsity_loss': m.sparsity.dataSync()[0],
        'losses/auxiliary_loss': m.aux.dataSync()[0],
        'losses/overall_loss': m.loss.dataSync()[0],
        'metrics/l0': m.l0.dataSync()[0],
        'metrics/explained_variance': m.explainedVariance.dataSync()[0],
        'sparsity/dead_features': dead,
        'details/current_learning_rate': lr,
        'details/current_l0_coefficient': lambda,
      };
      const theta = tf.tidy(() => this.sae.thresholds());
      if (theta) {
        event.thresholdQuantiles = quantiles(theta.dataSync() as Float32Array, this.scale);
        theta.dispose();
      }
      this.log.push(event);
      this.last = event;
    }
    tf.dispose(Object.values(m).filter((t): t is Tensor => t !== undefined));
    if (c.checkpointEvery > 0 && this.stepIndex % c.checkpointEvery === 0 && this.stepIndex < c.steps) this.checkpoint();
    return event;
  }

  /** The tfjs step: autodiff of TrainingSae.loss, decoder projection, Adam, renorm, counters. */
  private tfjsUpdate(x: Tensor2D, s: number, lr: number, lambda: number, holder: { m?: StepMetrics }): void {
    const vars = this.sae.trainable();
    const { value, grads } = tf.variableGrads(() => this.sae.loss(x, lambda, holder), vars);
    checkFiniteLoss(value, s + 1, path.join(this.out, CHECKPOINT_FILE), () => [
      value,
      ...Object.values(grads),
      ...Object.values(holder.m ?? {}).filter((t): t is Tensor => t !== undefined),
    ]);
    value.dispose();
    // tf names gradients by the Variable's unique name; map back to ours.
    const named: Record<string, Tensor> = {};
    for (const [name, v] of this.sae.vars) if (grads[v.name]) named[name] = grads[v.name];
    const wDec = this.sae.vars.get('W_dec')!;
    if (named.W_dec) {
      // Project out the gradient component parallel to each (unit-norm) decoder row.
      const g = named.W_dec;
      named.W_dec = tf.tidy(() => tf.sub(g, tf.mul(tf.sum(tf.mul(g, wDec), 1, true), wDec)));
      g.dispose();
    }
    this.adam.apply(this.sae.vars, named, lr);
    tf.dispose(Object.values(named));
    tf.tidy(() => {
      if (named.W_dec) wDec.assign(tf.div(wDec, tf.norm(wDec, 'euclidean', 1, true)));
      const m = holder.m!;
      const tsf = this.sae.v('tokens_since_fired');
      tsf.assign(tf.mul(tf.add(tsf, x.shape[0]), tf.sub(1, m.fired)));
      this.sae.updateState(m, s);
    });
  }

  /** Writes params, Adam moments and step atomically to out/checkpoints/ckpt.safetensors. */
  checkpoint(): void {
    checkFiniteParams(this.sae.vars, this.stepIndex, path.join(this.out, CHECKPOINT_FILE));
    const state = {
      step: this.stepIndex,
      tokens: this.tokens,
      scale: this.scale,
      adamT: this.adam.t,
      bandwidth: this.cfg.bandwidth,
      jumpReluInit: this.jumpReluInit,
    };
    writeSafetensors(
      path.join(this.out, CHECKPOINT_FILE),
      { ...this.sae.snapshot(), ...this.adam.snapshot() },
      { metadata: { jumplens_state: JSON.stringify(state) } },
    );
    this.writeLog();
  }

  private writeLog(): void {
    writeFileAtomic(path.join(this.out, 'train-log.jsonl'), this.log.map((e) => JSON.stringify(e)).join('\n') + (this.log.length ? '\n' : ''));
  }

  batchTensor(step: number): Tensor2D {
    const data = this.source.batch(step, this.cfg.batchSize, this.cfg.seed);
    return tf.tidy(() => tf.div(tf.tensor2d(data, [this.cfg.batchSize, this.source.dIn]), this.scale) as Tensor2D);
  }

  async run(raw: TrainConfig): Promise<TrainRun> {
    mkdirSync(this.out, { recursive: true });
    let stopped = false;
    while (!this.done()) {
      if (this.opts.shouldStop?.()) {
        stopped = true;
        break;
      }
      const x = this.batchTensor(this.stepIndex);
      let ev: TrainProgressEvent | undefined;
      try {
        ev = this.step(x);
      } finally {
        x.dispose();
      }
      if (ev) this.opts.onProgress?.(ev);
      // Let signal handlers (Ctrl-C) and the daemon's event loop run between steps.
      if (this.stepIndex % 8 === 0) await new Promise((r) => setImmediate(r));
    }
    if (stopped) this.checkpoint();
    else this.finish(raw);
    return {
      out: this.out,
      steps: this.stepIndex,
      tokens: this.tokens,
      metrics: this.finalMetrics(),
      stopped,
      scale: this.scale,
      sae: this.sae,
      config: this.cfg,
      dispose: () => this.dispose(),
    };
  }

  finalMetrics(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.last ?? {})) if (typeof v === 'number') out[k] = v;
    return out;
  }

  /** Final outputs: SAELens directory (cfg.json + sae_weights.safetensors), metrics.json, log. */
  finish(raw: TrainConfig): void {
    checkFiniteParams(this.sae.vars, this.stepIndex, path.join(this.out, CHECKPOINT_FILE));
    this.writeLog();
    if (!this.opts.noExport) writeSaeDir(this.out, this, raw, this.opts.metadata ?? {});
    writeJsonAtomic(path.join(this.out, 'metrics.json'), { ...this.finalMetrics(), normalization_scale: this.scale });
  }
}

function quantiles(theta: Float32Array, scale: number): number[] {
  const s = Float32Array.from(theta).sort();
  return [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1].map((q) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))] * scale);
}

/** The SAELens cfg.json for an exported training run. */
export function exportedConfig(
  t: Trainer,
  architecture: SaeConfig['architecture'],
  raw: TrainConfig,
  metadata: Record<string, unknown>,
  cfgFields: Partial<SaeConfig> = {},
): SaeConfig {
  const c = t.cfg;
  return {
    architecture,
    d_in: c.d_in,
    d_sae: c.d_sae,
    dtype: 'float32',
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    metadata: {
      ...metadata,
      jumplens_training: {
        trained_architecture: c.architecture,
        steps: t.stepIndex,
        tokens: t.tokens,
        normalization_scale: t.scale,
        config: { ...c },
        // θ₀ (summary over latents) and ε as used, and whether each came from the data or the config.
        jumprelu_init: t.jumpReluInit,
        corpus: raw.corpus,
        activations: raw.activations,
      },
    },
    ...cfgFields,
  };
}

/** The trained SAE as a SAELens folder, through the one SAELens writer. */
export function writeSaeDir(dir: string, t: Trainer, raw: TrainConfig, metadata: Record<string, unknown>): void {
  const { params, architecture, cfgFields } = t.sae.exportParams(t.scale);
  writeSaeLensDir(dir, exportedConfig(t, architecture, raw, metadata, cfgFields), params);
}
