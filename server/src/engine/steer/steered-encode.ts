// The SAE's features as the steered model has them at the hook the SAE is spliced in at. The
// splice (splice.ts) replaces the hook's output with decode(f') plus the SAE's error, and the
// hook's input at a position depends only on earlier layers, so interventions anywhere leave x at
// that hook unchanged: the steered features there are exactly f' = intervene(encode(x)). Only the
// intervened features differ from the clean ones; layers after the hook are what steering moves.
import { tf, type Tensor2D } from '../tf';
import type { Sae } from '../sae/types';
import { checkInterventions, intervene } from './splice';
import type { Intervention } from './types';

/** What `iv` makes of a clean activation `clean` (splice.ts's f · mult + add for one feature). */
export function steeredValue(iv: Intervention, clean: number): number {
  if (iv.mode === 'ablate') return 0;
  return iv.mode === 'clamp' ? (iv.value ?? 0) : clean * (iv.value ?? 1);
}

export interface SteeredFeatures {
  /** [n, d_sae]: rows >= firstRow intervened, earlier rows (a BOS) clean. Owned by the caller. */
  f: Tensor2D;
  /** [n * list.length]: row r's clean activation of list[j] at r * list.length + j. */
  clean: Float32Array;
}

/** x: [n, d_in] activations at the hook -> the steered features of each row (see the file comment). */
export function encodeSteered(sae: Sae, x: Tensor2D, list: Intervention[], firstRow: number): SteeredFeatures {
  checkInterventions(sae, list);
  const n = x.shape[0];
  const skip = Math.min(n, Math.max(0, firstRow));
  const [f, cleanT] = tf.tidy(() => {
    const clean = sae.encode(x); // [n, d_sae]
    const cols = list.length
      ? tf.gather(
          clean,
          tf.tensor1d(
            list.map((iv) => iv.feature),
            'int32',
          ),
          1,
        )
      : tf.zeros([n, 0]); // [n, list.length]
    if (skip === n || list.length === 0) return [clean, cols];
    const rest = intervene(tf.slice(clean, [skip, 0], [n - skip, -1]) as Tensor2D, list);
    const out = skip ? tf.concat([tf.slice(clean, [0, 0], [skip, -1]), rest], 0) : rest;
    return [out as Tensor2D, cols];
  });
  const clean = Float32Array.from(cleanT.dataSync() as Float32Array);
  cleanT.dispose();
  return { f: f as Tensor2D, clean };
}
