// What the native encoders (encode_topk.cc) need from an inference SAE, and when they apply: the
// addon runs here, the backend is WASM, and the SAE's options are ones the addon implements.
import type { Tensor2D } from '../tf';
import type { BaseSae } from '../sae/base-sae';
import type { Sae } from '../sae/types';
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

/** The addon's inputs for x: [n, d_in] (float32, on the WASM heap). Take right before the call. */
export function encodeInputs(sae: BaseSae, x: Tensor2D, kOut: number): { inputs: Record<string, Float32Array | undefined>; cfg: Record<string, number> } {
  const c = sae.cfg;
  const [n, dIn] = x.shape;
  if (x.rank !== 2 || dIn !== c.d_in) throw new Error(`SAE expects inputs of shape [batch, d_in=${c.d_in}], got [${x.shape.join(', ')}]`);
  const p = sae.params();
  const view = (name: string) => (p[name] ? hostView(p[name]) : undefined);
  return {
    inputs: {
      x: hostView(x),
      W_enc: view('W_enc'),
      b_enc: view('b_enc'),
      b_dec: c.apply_b_dec_to_input ? view('b_dec') : undefined,
      threshold: view('threshold'),
      b_gate: view('b_gate'),
      b_mag: view('b_mag'),
      r_mag: view('r_mag'),
    },
    cfg: { arch: ARCH_CODE[c.architecture], n, D: dIn, S: c.d_sae, kArch: c.k ?? 0, kOut },
  };
}
