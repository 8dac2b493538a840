// Training stops at the first non-finite value instead of exporting NaN weights as a success:
// the loss scalar is read every step (one float), and every parameter is checked before a
// checkpoint or the final SAE is written, so the last good checkpoint is never overwritten.
import { tf, type Tensor } from '../tf';

export class NonFiniteTrainingError extends Error {
  constructor(
    readonly step: number,
    readonly reason: string,
    readonly checkpoint: string,
  ) {
    super(
      `training stopped at step ${step}: ${reason}; the learning rate (or another setting) is likely too large. The last good checkpoint (if any) is kept at ${checkpoint}`,
    );
    this.name = 'NonFiniteTrainingError';
  }
}

/**
 * Throws when the step's loss is NaN or ±Infinity, first freeing `alsoFree` (the step's gradients
 * and metrics, which the caller would otherwise leak). `loss`: a scalar tensor (not disposed).
 */
export function checkFiniteLoss(loss: Tensor, step: number, checkpoint: string, alsoFree: () => Tensor[]): void {
  const v = loss.dataSync()[0];
  if (Number.isFinite(v)) return;
  tf.dispose(alsoFree());
  throw new NonFiniteTrainingError(step, `the loss is ${v}`, checkpoint);
}

/** Throws naming the first parameter that holds a NaN or ±Infinity. */
export function checkFiniteParams(vars: ReadonlyMap<string, tf.Variable>, step: number, checkpoint: string): void {
  for (const [name, v] of vars) {
    const ok = tf.tidy(() => tf.all(tf.isFinite(v)).dataSync()[0]);
    if (!ok) throw new NonFiniteTrainingError(step, `parameter ${name} holds non-finite values`, checkpoint);
  }
}
