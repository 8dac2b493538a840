// Encode + per-token top-k for the editor and the CLI: the native addon's fused path
// (native/src/encode_topk.cc) when it runs here and the SAE's options allow it, else the tfjs
// encode followed by sparseTopK. Both give the same SparseTopK (the tests compare them).
import type { Tensor2D } from '../tf';
import type { BaseSae } from '../sae/base-sae';
import { sparseTopK } from '../sae/sparse-topk';
import type { Sae, SparseTopK } from '../sae/types';
import { nativeStatus } from './addon';
import { encodeInputs, nativeEncodeUnavailable } from './sae-encode-inputs';

export { nativeEncodeUnavailable };

/**
 * x: [n, d_in] raw activations -> each token's k strongest features, strongest first, and its L0.
 * `keep` ([d_sae], 0 = dense feature left out of the ranking): the fused native kernel has no
 * mask, so a masked call encodes densely (natively where it can) and ranks on tfjs.
 */
export async function encodeTopK(sae: Sae, x: Tensor2D, k: number, keep?: Float32Array): Promise<SparseTopK & { hidden?: Int32Array }> {
  if (keep || nativeEncodeUnavailable(sae) || x.dtype !== 'float32') {
    const f = sae.encode(x);
    try {
      return await sparseTopK(f, k, keep);
    } finally {
      f.dispose();
    }
  }
  const n = x.shape[0];
  const kk = Math.max(1, Math.min(k, sae.dSae));
  const out = { indices: new Int32Array(n * kk), values: new Float32Array(n * kk), l0: new Int32Array(n) };
  const { inputs, cfg } = encodeInputs(sae as BaseSae, x, kk);
  nativeStatus().addon!.encodeTopK(inputs, cfg, out);
  return { ...out, n, k: kk };
}
