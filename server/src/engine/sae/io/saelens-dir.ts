// SAELens's on-disk layout: a folder with cfg.json and sae_weights.safetensors (tensors W_enc
// [d_in, d_sae], W_dec [d_sae, d_in], b_enc, b_dec, and per architecture threshold / b_gate, r_mag,
// b_mag), optionally sparsity.safetensors and, in training checkpoints, activation_scaler.json. What
// JumpLens writes here SAELens loads with `SAE.load_from_disk`, and the reverse.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tf, type Tensor } from '../../tf';
import { writeJsonAtomic } from '../../io/atomic-write';
import { checkTensorBytes, shapeBytes } from '../../io/limits';
import { readJsonFile } from '../../io/read-json';
import { readSafetensorsHeader, readTensorF32, writeSafetensors, type StWriteDtype } from '../../io/safetensors';
import { parseSaeConfig } from '../config';
import { writeSparsity } from './sparsity';
import { saeLensCfgJson } from './saelens-cfg';
import { createSae, expectedShapes } from '../create';
import type { Sae, SaeConfig, SaeDtype, SaeParams } from '../types';

export { SPARSITY_FILE } from './sparsity';

export const CFG_FILE = 'cfg.json';
export const WEIGHTS_FILE = 'sae_weights.safetensors';
export const SCALER_FILE = 'activation_scaler.json';

const ST_DTYPE: Record<SaeDtype, StWriteDtype> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

export function loadSaeLensDir(dir: string): Sae {
  const cfgFile = path.join(dir, CFG_FILE);
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  if (!existsSync(cfgFile)) throw new Error(`${dir}: not an SAE folder (no ${CFG_FILE})`);
  const cfg = parseSaeConfig(readJsonFile(cfgFile), cfgFile);
  // cfg.json's d_sae × d_in is checked against the cap and the weights file's header before any
  // tensor exists: a 1 KB cfg.json must not allocate (e.g. broadcast a scalar threshold to) 5e8 floats.
  checkTensorBytes(cfgFile, `d_in ${cfg.d_in} × d_sae ${cfg.d_sae} float32`, shapeBytes(cfgFile, 'W_enc', [cfg.d_in, cfg.d_sae], 4));
  const header = readSafetensorsHeader(weightsFile);
  const shapes = expectedShapes(cfg);
  const want = Object.keys(shapes);
  for (const name of want) {
    const got = header.entries.get(name)?.shape;
    // (BatchTopK may store one scalar threshold; createSae broadcasts it.)
    const scalar = name === 'threshold' && got !== undefined && got.reduce((x, d) => x * d, 1) === 1;
    if (got && !scalar && got.join(',') !== shapes[name].join(',')) {
      throw new Error(
        `${weightsFile}: tensor ${name} has shape [${got.join(', ')}] but cfg (d_in=${cfg.d_in}, d_sae=${cfg.d_sae}) needs [${shapes[name].join(', ')}]`,
      );
    }
  }
  // SAELens's read_sae_components_from_disk drops an all-ones `scaling_factor`; any other value is a
  // learned per-feature scale JumpLens does not apply, so it is refused rather than ignored.
  for (const name of ['scaling_factor', 'finetuning_scaling_factor']) {
    if (!header.entries.has(name)) continue;
    const { data } = readTensorF32(header, name);
    if (data.some((v) => v !== 1)) throw new Error(`${weightsFile}: tensor ${name} is not all ones (a fine-tuning scale JumpLens does not support)`);
  }
  const params: SaeParams = {};
  try {
    for (const name of want) {
      if (header.entries.has(name)) params[name] = tensorOf(header, name);
      else if (name === 'threshold' && cfg.architecture === 'batchtopk' && header.entries.has('topk_threshold')) {
        // SAELens 6 BatchTopK training checkpoints keep one scalar `topk_threshold` (BatchTopKTrainingSAE
        // turns it into a [d_sae] threshold when it exports); prepareParams broadcasts it the same way.
        params.threshold = tensorOf(header, 'topk_threshold');
      } else if (name === 'threshold' && header.entries.has('log_threshold')) {
        // Older SAELens training code kept log θ; the value is the same SAE.
        const lt = tensorOf(header, 'log_threshold');
        params.threshold = tf.exp(lt);
        lt.dispose();
      }
      // Missing tensors are reported by createSae, which knows what each architecture needs.
    }
    if (cfg.architecture === 'batchtopk' && cfg.rescale_acts_by_decoder_norm) {
      foldDecoderNorm(params, weightsFile);
      cfg.rescale_acts_by_decoder_norm = false;
    }
    const st = header.entries.get('W_enc')?.dtype;
    if (st === 'F16') cfg.dtype = 'float16';
    else if (st === 'BF16') cfg.dtype = 'bfloat16';
  } catch (e) {
    for (const t of Object.values(params)) t.dispose();
    throw e;
  }
  let scalingFactor: number | undefined;
  const scalerFile = path.join(dir, SCALER_FILE);
  if (existsSync(scalerFile)) {
    const s = (readJsonFile(scalerFile) as { scaling_factor?: unknown }).scaling_factor;
    if (s !== null && s !== undefined) {
      if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0)
        throw new Error(`${scalerFile}: scaling_factor must be a positive number, got ${JSON.stringify(s)}`);
      scalingFactor = s;
    }
  }
  return createSae(cfg, params, { source: weightsFile, scalingFactor });
}

/**
 * A SAELens BatchTopK training checkpoint with rescale_acts_by_decoder_norm (its default) thresholds
 * z · ‖d_j‖ and decodes f / ‖d_j‖. Folding the norms in, as SAELens's `fold_W_dec_norm` does before it
 * exports the JumpReLU, gives the same f with plain weights: W_enc[:, j] and b_enc[j] times ‖d_j‖,
 * W_dec[j] divided by it. W_enc: [d_in, d_sae], W_dec: [d_sae, d_in], b_enc: [d_sae].
 */
function foldDecoderNorm(p: SaeParams, file: string): void {
  if (!p.W_enc || !p.W_dec || !p.b_enc) throw new Error(`${file}: a batchtopk checkpoint needs W_enc, W_dec and b_enc`);
  const [enc, dec, b] = [p.W_enc, p.W_dec, p.b_enc];
  const norms = tf.norm(dec, 'euclidean', 1); // [d_sae]
  p.W_enc = tf.mul(enc, norms);
  p.b_enc = tf.mul(b, norms);
  p.W_dec = tf.div(dec, tf.expandDims(norms, 1));
  tf.dispose([enc, dec, b, norms]);
}

function tensorOf(header: ReturnType<typeof readSafetensorsHeader>, name: string): Tensor {
  const { data, shape } = readTensorF32(header, name);
  return tf.tensor(data, shape, 'float32');
}

export interface SaveSaeOptions {
  /** Storage dtype of the weights (default: the SAE's cfg.dtype). */
  dtype?: SaeDtype;
  /** Per-feature log10 firing density, written to sparsity.safetensors (key `sparsity`). */
  logSparsity?: Float32Array;
}

/** Writes cfg.json and sae_weights.safetensors (atomically each) into `dir`. */
export async function saveSaeLensDir(dir: string, sae: Sae, opts: SaveSaeOptions = {}): Promise<void> {
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [name, t] of Object.entries(sae.params())) tensors[name] = { data: (await t.data()) as Float32Array, shape: t.shape };
  // An unfolded dataset-wide scaling factor travels as SAELens's activation_scaler.json.
  const scalingFactor = (sae as { scalingFactor?: number }).scalingFactor;
  writeSaeLensDir(dir, sae.cfg, tensors, { ...opts, scalingFactor });
}

export interface WriteSaeOptions extends SaveSaeOptions {
  /** Written to activation_scaler.json when set. */
  scalingFactor?: number;
}

/**
 * The one writer of SAELens folders: host tensors (SAELens names) and their cfg as SAELens 6 writes
 * it (saelens-cfg.ts), stamped with the jumplens version. Used by saveSaeLensDir (convert, Gemma
 * Scope conversions) and by the trainer's export (training, fine-tuning, sweeps).
 */
export function writeSaeLensDir(
  dir: string,
  cfg: SaeConfig,
  tensors: Record<string, { data: Float32Array; shape: number[] }>,
  opts: WriteSaeOptions = {},
): void {
  const dtype = opts.dtype ?? cfg.dtype;
  writeSafetensors(path.join(dir, WEIGHTS_FILE), tensors, { dtype: ST_DTYPE[dtype] });
  writeJsonAtomic(path.join(dir, CFG_FILE), saeLensCfgJson(cfg, dtype, jumplensVersion()));
  if (opts.scalingFactor !== undefined) writeJsonAtomic(path.join(dir, SCALER_FILE), { scaling_factor: opts.scalingFactor });
  if (opts.logSparsity) writeSparsity(dir, opts.logSparsity, cfg.d_sae);
}

function jumplensVersion(): string {
  try {
    return (require('../../../../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
