// Gemma Scope's release format: `params.npz` with W_enc [d_model, d_sae], W_dec [d_sae, d_model],
// b_enc, b_dec and threshold, float32 (some files use lowercase w_* keys). These SAEs take raw
// activations: normalisation and the pre-encoder bias are folded in, so apply_b_dec_to_input=false.
import { unzipSync } from 'fflate';
import { tf } from '../../tf';
import { checkTensorBytes, MAX_DEFLATE_RATIO } from '../../io/limits';
import { npyDeclaredBytes, parseNpy } from '../../io/npy';
import { readRegularFile } from '../../io/open-regular';
import { createSae } from '../create';
import type { Sae, SaeConfig, SaeParams } from '../types';

const NAMES = ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'];

/** Layer and site from a Gemma Scope path such as `gemma-scope-2b-pt-res/layer_12/width_16k/average_l0_82/params.npz`. */
export function hookFromGemmaScopePath(file: string): string | undefined {
  const layer = /layer_(\d+)/.exec(file)?.[1];
  if (layer === undefined) return undefined;
  if (/gemma-scope-[^/]*-res/.test(file)) return `blocks.${layer}.hook_resid_post`;
  if (/gemma-scope-[^/]*-mlp/.test(file)) return `blocks.${layer}.hook_mlp_out`;
  if (/gemma-scope-[^/]*-att/.test(file)) return `blocks.${layer}.attn.hook_z`;
  return undefined;
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
        throw new Error(`${where}: declares ${m.originalSize} bytes uncompressed from ${m.size} compressed, which ${m.compression === 0 ? 'a stored member' : 'DEFLATE'} cannot produce (corrupt or a zip bomb)`);
      }
      const bytes = inflateMember(zip, m.name, where);
      const declared = npyDeclaredBytes(bytes, where);
      if (declared !== m.originalSize || bytes.length !== m.originalSize) {
        throw new Error(`${where}: the .npy header describes ${declared} bytes but the zip member holds ${bytes.length} (its directory entry says ${m.originalSize}): truncated or corrupt member`);
      }
      const arr = parseNpy(bytes, where);
      const data = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data);
      params[name] = tf.tensor(data, arr.shape, 'float32');
    }
    const W = params.W_enc;
    if (!W || W.shape.length !== 2) {
      throw new Error(`${file}: missing 2-D W_enc (members: ${members.map((m) => m.name).join(', ') || 'none'})`);
    }
  } catch (e) {
    for (const t of Object.values(params)) t.dispose();
    throw e;
  }
  const [dIn, dSae] = params.W_enc.shape;
  const hook = opts.hook ?? hookFromGemmaScopePath(file);
  const cfg: SaeConfig = {
    architecture: 'jumprelu',
    d_in: dIn,
    d_sae: dSae,
    dtype: 'float32',
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    metadata: { ...(hook ? { hook_name: hook } : {}), source: 'gemma-scope', ...(/gemma-scope-2b/.test(file) ? { model_name: 'gemma-2-2b' } : {}) },
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
