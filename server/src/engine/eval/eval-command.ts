// `jumplens eval` and `jumplens sweep-threshold`: evaluate an SAE directory on held-out text, and
// rescale a JumpReLU SAE's thresholds to trace its L0 / fidelity curve without retraining.
import * as path from 'node:path';
import { tf, type Tensor2D } from '../tf';
import { readCorpus } from '../data/corpus';
import { tokenChunks } from '../data/token-chunks';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-write';
import type { LanguageModel } from '../lm/types';
import type { Sae } from '../sae/types';
import { loadSae } from '../sae/io';
import { collectActivations } from '../train/activation-store';
import { loadLanguageModel } from '../train/model-loader';
import { deltaLmLoss, type LmLossResult } from './lm-loss';
import { toCsv, paretoSvg } from './plots';
import { evaluateSae, type EncoderDecoder, type SaeEvaluation } from './sae-metrics';

export interface EvalOptions {
  model: string;
  sae: string;
  corpus: string;
  hook?: string;
  tokens: number;
  contextSize?: number;
  skipDocs?: number;
  lmSequences?: number;
}

interface EvalInputs {
  model: LanguageModel;
  hook: string;
  acts: Float32Array;
  dIn: number;
  seqs: number[][];
}

async function inputs(o: EvalOptions, sae: Sae): Promise<EvalInputs> {
  const hook = o.hook ?? sae.hookName;
  if (!hook) throw new Error(`${o.sae}: cfg.json has no metadata.hook_name; pass --hook`);
  const ctx = o.contextSize ?? (sae.cfg.metadata.context_size as number | undefined) ?? 256;
  const model = await loadLanguageModel(o.model);
  const held = await collectActivations(model, { hook, corpus: o.corpus, contextSize: ctx, maxTokens: o.tokens, corpusOptions: { skipDocs: o.skipDocs } });
  if (held.source.dIn !== sae.dIn) throw new Error(`${o.sae}: d_in ${sae.dIn} does not match ${hook} width ${held.source.dIn}`);
  const seqs: number[][] = [];
  const nSeq = o.lmSequences ?? Math.max(1, Math.min(64, Math.ceil(o.tokens / ctx)));
  for (const s of tokenChunks(readCorpus(o.corpus, { skipDocs: o.skipDocs }), model.tokenizer, { contextSize: ctx })) {
    if (seqs.length >= nSeq) break;
    seqs.push(s);
  }
  return { model, hook, acts: held.source.data, dIn: held.source.dIn, seqs };
}

export async function evalCommand(o: EvalOptions): Promise<{ metrics: Record<string, number>; lm: LmLossResult; histogram: SaeEvaluation['histogram'] }> {
  const sae = await loadSae(o.sae);
  const inp = await inputs(o, sae);
  try {
    const ev = evaluateSae(sae, inp.acts, inp.dIn);
    const lm = await deltaLmLoss(inp.model, sae, inp.hook, inp.seqs);
    return {
      metrics: { ...ev.metrics, delta_lm_loss: lm.delta_lm_loss, loss_recovered: lm.loss_recovered, ce_clean: lm.ce_clean, ce_sae: lm.ce_sae },
      lm,
      histogram: ev.histogram,
    };
  } finally {
    inp.model.dispose();
    sae.dispose();
  }
}

/** The SAE with every threshold multiplied by `scale`: f = π·H(π − sθ), decoded by the SAE itself. */
export function rescaledJumpRelu(sae: Sae, scale: number): EncoderDecoder {
  const p = sae.params();
  const theta = sae.threshold();
  if (sae.architecture !== 'jumprelu' || !theta || !p.W_enc || !p.b_enc || !p.b_dec)
    throw new Error(`sweep-threshold: the SAE is "${sae.architecture}"; a jumprelu SAE with W_enc, b_enc, b_dec, threshold is needed`);
  return {
    dSae: sae.dSae,
    encode: (x) =>
      tf.tidy(() => {
        const xin = sae.cfg.apply_b_dec_to_input ? tf.sub(x, p.b_dec) : x;
        const pi = tf.add(tf.matMul(xin as Tensor2D, p.W_enc as Tensor2D), p.b_enc);
        return tf.mul(pi, tf.cast(tf.greater(pi, tf.mul(theta, scale)), 'float32')) as Tensor2D;
      }),
    decode: (f) => sae.decode(f),
  };
}

export interface ThresholdRow {
  scale: number;
  l0: number;
  fvu: number;
  delta_lm_loss: number;
  loss_recovered: number;
  [k: string]: number;
}

export async function sweepThreshold(o: EvalOptions & { scales: number[]; out?: string }): Promise<ThresholdRow[]> {
  if (o.scales.length === 0 || o.scales.some((s) => !(s > 0))) throw new Error(`sweep-threshold: --scales must be positive numbers, got ${o.scales.join(',')}`);
  const sae = await loadSae(o.sae);
  const inp = await inputs(o, sae);
  try {
    const rows: ThresholdRow[] = [];
    for (const s of o.scales) {
      const enc = rescaledJumpRelu(sae, s);
      const ev = evaluateSae(enc, inp.acts, inp.dIn);
      const lm = await deltaLmLoss(inp.model, enc, inp.hook, inp.seqs);
      rows.push({
        scale: s,
        l0: ev.metrics['metrics/l0'],
        fvu: ev.metrics['metrics/fvu'],
        delta_lm_loss: lm.delta_lm_loss,
        loss_recovered: lm.loss_recovered,
        dead: ev.metrics['sparsity/dead_features'],
      });
    }
    if (o.out) {
      writeJsonAtomic(path.join(o.out, 'threshold-sweep.json'), rows);
      writeFileAtomic(path.join(o.out, 'threshold-sweep.csv'), toCsv(rows));
      const svg = await paretoSvg(
        rows.map((r) => ({
          name: `x${r.scale}`,
          architecture: 'jumprelu (θ rescaled)',
          'metrics/l0': r.l0,
          'metrics/fvu': r.fvu,
          delta_lm_loss: r.delta_lm_loss,
        })),
        `threshold rescaling of ${path.basename(o.sae)}`,
      );
      writeFileAtomic(path.join(o.out, 'threshold-sweep.svg'), svg);
    }
    return rows;
  } finally {
    inp.model.dispose();
    sae.dispose();
  }
}
