// Encode + per-token top-k for the editor and the CLI: the native addon's fused path
// (native/src/encode_topk.cc) when it runs here and the SAE's options allow it, else the tfjs
// encode followed by sparseTopK. Both give the same SparseTopK (the tests compare them).
import { tf, type Tensor2D } from '../tf';
import type { BaseSae } from '../sae/base-sae';
import { sparseTopK } from '../sae/sparse-topk';
import type { Sae, SparseTopK } from '../sae/types';
import { nativeStatus } from './addon';
import { hostView, hostViewUnavailable } from './host-view';

const ARCH_CODE = { jumprelu: 0, standard: 1, topk: 2, batchtopk: 3, gated: 4 } as const;

/** Why this SAE encodes on tfjs rather than natively here, or undefined when the native path runs. */
export function nativeEncodeUnavailable(sae: Sae): string | undefined {
  const st = nativeStatus();
  if (!st.addon) return `native addon ${st.detail}`;
  const noView = hostViewUnavailable();
  if (noView) return noView;
  const c = (sae as BaseSae).cfg;
  if (!c || typeof (sae as BaseSae).params !== 'function') return 'not a BaseSae';
  if (c.normalize_activations !== 'none') return `normalize_activations "${c.normalize_activations}" runs on tfjs`;
  if (c.architecture === 'topk' && c.rescale_acts_by_decoder_norm) return 'rescale_acts_by_decoder_norm runs on tfjs';
  const p = (sae as BaseSae).params();
  for (const [name, t] of Object.entries(p)) if (t.dtype !== 'float32') return `parameter ${name} is ${t.dtype}`;
  const th = p.threshold;
  if ((c.architecture === 'jumprelu' || c.architecture === 'batchtopk') && (!th || th.size !== c.d_sae)) return 'threshold is not a [d_sae] tensor';
  return undefined;
}

/** x: [n, d_in] raw activations -> each token's k strongest features, strongest first, and its L0. */
export async function encodeTopK(sae: Sae, x: Tensor2D, k: number): Promise<SparseTopK> {
  if (nativeEncodeUnavailable(sae)) {
    const f = sae.encode(x);
    try {
      return await sparseTopK(f, k);
    } finally {
      f.dispose();
    }
  }
  const s = sae as BaseSae;
  const c = s.cfg;
  const [n, dIn] = x.shape;
  if (dIn !== c.d_in) throw new Error(`SAE expects inputs of shape [batch, d_in=${c.d_in}], got [${x.shape.join(', ')}]`);
  const kk = Math.max(1, Math.min(k, c.d_sae));
  const out = { indices: new Int32Array(n * kk), values: new Float32Array(n * kk), l0: new Int32Array(n) };
  const p = s.params();
  const view = (name: string) => (p[name] ? hostView(p[name]) : undefined);
  const xc = x.dtype === 'float32' ? x : (tf.cast(x, 'float32') as Tensor2D);
  try {
    nativeStatus().addon!.encodeTopK(
      {
        x: hostView(xc),
        W_enc: view('W_enc'),
        b_enc: view('b_enc'),
        b_dec: c.apply_b_dec_to_input ? view('b_dec') : undefined,
        threshold: view('threshold'),
        b_gate: view('b_gate'),
        b_mag: view('b_mag'),
        r_mag: view('r_mag'),
      },
      { arch: ARCH_CODE[c.architecture], n, D: dIn, S: c.d_sae, kArch: c.k ?? 0, kOut: kk },
      out,
    );
  } finally {
    if (xc !== x) xc.dispose();
  }
  return { ...out, n, k: kk };
}
