// BaseSae.encode's native fast path (native/src/encode_topk.cc's encode_dense): f: [n, d_sae]
// written by the addon straight into a new tensor on the WASM heap. Undefined when it cannot run,
// and BaseSae then encodes on tfjs.
import type { Tensor2D } from '../tf';
import type { BaseSae } from '../sae/base-sae';
import { nativeStatus } from './addon';
import { allocate, hostView } from './host-view';
import { encodeInputs, nativeEncodeUnavailable } from './sae-encode-inputs';

export function nativeEncodeDense(sae: BaseSae, x: Tensor2D): Tensor2D | undefined {
  if (x.rank !== 2 || x.dtype !== 'float32' || x.shape[1] !== sae.dIn || nativeEncodeUnavailable(sae)) return undefined;
  const f = allocate([x.shape[0], sae.dSae]) as Tensor2D;
  try {
    // Views after the allocation: growing the heap detaches older ones.
    const { inputs, cfg } = encodeInputs(sae, x, 1);
    nativeStatus().addon!.encodeDense(inputs, cfg, hostView(f));
    return f;
  } catch (e) {
    f.dispose();
    throw e;
  }
}
