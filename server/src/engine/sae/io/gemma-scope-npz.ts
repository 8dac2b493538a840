// Gemma Scope's release format: `params.npz` with W_enc [d_model, d_sae], W_dec [d_sae, d_model],
// b_enc, b_dec and threshold, float32 (some files use lowercase w_* keys; members may be Fortran
// order, which parseNpy reorders as numpy.load does). These SAEs take raw
// activations: normalisation and the pre-encoder bias are folded in, so apply_b_dec_to_input=false.
import { unzipSync } from 'fflate';
import { tf } from '../../tf';
import { checkTensorBytes, MAX_DEFLATE_RATIO } from '../../io/limits';
import { npyDeclaredBytes, parseNpy } from '../../io/npy';
import { readRegularFile } from '../../io/open-regular';
import { createSae } from '../create';
import type { Sae, SaeConfig, SaeParams } from '../types';

const NAMES = ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'];

/**
 * Layer and site from a Gemma Scope path such as `gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82/params.npz`,
 * as SAELens's `get_gemma_2_config_from_hf` derives them (an `embedding` folder of a -res release is `hook_embed`).
 */
export function hookFromGemmaScopePath(file: string): string | undefined {
  if (/gemma-scope-[^/]*-res/.test(file) && /embedding/.test(file)) return 'hook_embed';
  const layer = /layer_(\d+)/.exec(file)?.[1];
  if (layer === undefined) return undefined;
  if (/gemma-scope-[^/]*-res/.test(file)) return `blocks.${layer}.hook_resid_post`;
  if (/gemma-scope-[^/]*-mlp/.test(file)) return `blocks.${layer}.hook_mlp_out`;
  if (/gemma-scope-[^/]*-att/.test(file)) return `blocks.${layer}.attn.hook_z`;
  return undefined;
}

/** `gemma-2-2b`, `gemma-2-9b-it`, ... from the release name in the path (SAELens's model_params table). */
export function modelFromGemmaScopePath(file: string): string | undefined {
  const m = /gemma-scope-(2b|9b|27b)-(pt|it)/.exec(file);
  if (!m) return undefined;
  return `gemma-2-${m[1]}${m[2] === 'it' ? '-it' : ''}`;
}

/**
 * Embedding SAEs were trained on unscaled token embeddings, while the model's `hook_embed` (here
 * and in TransformerLens) is already multiplied by √d_model. SAELens's `gemma_2_sae_huggingface_loader`
 * compensates exactly so: W_enc / √d_in and W_dec · √d_in (b_enc, b_dec, threshold unchanged).
 */
function rescaleEmbeddingSae(params: SaeParams, dIn: number): void {
  const s = Math.sqrt(dIn);
  const [enc, dec] = [params.W_enc, params.W_dec];
  params.W_enc = tf.div(enc, s);
  params.W_dec = tf.mul(dec, s);
  tf.dispose([enc, dec]);
}

export function loadGemmaScopeNpz(file: string, opts: { hook?: string } = {}): Sae {
  const zip = readRegularFile(file);
  const members = npzMembers(zip, file);
  const params: SaeParams = {};
  try {
    // One member at a time, each checked before it is inflated: peak memory is one array, not all.
    for (const m of members) {
      const base = m.name.replace(/\.npy$/, '');
      const name = NAMES.find((n) => n.toLowerCase() === base.toLowerCase());
      if (!name) continue;
      const where = `${file}:${m.name}`;
      checkTensorBytes(where, 'member (uncompressed size from the zip directory)', m.originalSize);
      if (m.compression === 0 ? m.originalSize !== m.size : m.originalSize > m.size * MAX_DEFLATE_RATIO + 1024) {
        throw new Error(
          `${where}: declares ${m.originalSize} bytes uncompressed from ${m.size} compressed, which ${m.compression === 0 ? 'a stored member' : 'DEFLATE'} cannot produce (corrupt or a zip bomb)`,
        );
      }
      const bytes = inflateMember(zip, m.name, where);
      const declared = npyDeclaredBytes(bytes, where);
      if (declared !== m.originalSize || bytes.length !== m.originalSize) {
        throw new Error(
          `${where}: the .npy header describes ${declared} bytes but the zip member holds ${bytes.length} (its directory entry says ${m.originalSize}): truncated or corrupt member`,
        );
      }
      const arr = parseNpy(bytes, where);
      const data = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data);
      params[name] = tf.tensor(data, arr.shape, 'float32');
    }
    const W = params.W_enc;
    if (W?.shape.length !== 2) {
      throw new Error(`${file}: missing 2-D W_enc (members: ${members.map((m) => m.name).join(', ') || 'none'})`);
    }
  } catch (e) {
    for (const t of Object.values(params)) t.dispose();
    throw e;
  }
  const [dIn, dSae] = params.W_enc.shape;
  const hook = opts.hook ?? hookFromGemmaScopePath(file);
  const model = modelFromGemmaScopePath(file);
  if (hookFromGemmaScopePath(file) === 'hook_embed') rescaleEmbeddingSae(params, dIn);
  const cfg: SaeConfig = {
    architecture: 'jumprelu',
    d_in: dIn,
    d_sae: dSae,
    dtype: 'float32',
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    // SAELens's get_gemma_2_config_from_hf values for what the file does not say.
    metadata: {
      ...(hook ? { hook_name: hook } : {}),
      source: 'gemma-scope',
      ...(model ? { model_name: model } : {}),
      hook_head_index: null,
      prepend_bos: true,
      context_size: 1024,
      dataset_path: 'monology/pile-uncopyrighted',
    },
  };
  return createSae(cfg, params, { source: file });
}

interface ZipMember {
  name: string;
  size: number;
  originalSize: number;
  compression: number;
}

/** The central directory's entries, nothing inflated (fflate reads zip64 sizes too). */
function npzMembers(zip: Uint8Array, file: string): ZipMember[] {
  const out: ZipMember[] = [];
  try {
    unzipSync(zip, {
      filter: (f) => {
        out.push({ name: f.name, size: f.size, originalSize: f.originalSize, compression: f.compression });
        return false;
      },
    });
  } catch (e) {
    throw new Error(`${file}: not a readable .npz (zip) archive (${(e as Error).message})`);
  }
  return out;
}

function inflateMember(zip: Uint8Array, name: string, where: string): Uint8Array {
  try {
    // fflate inflates into a buffer of the declared size and stops there, so a member cannot grow past it.
    const got = unzipSync(zip, { filter: (f) => f.name === name })[name];
    if (!got) throw new Error('member vanished');
    return got;
  } catch (e) {
    throw new Error(`${where}: cannot inflate the member (${(e as Error).message})`);
  }
}
