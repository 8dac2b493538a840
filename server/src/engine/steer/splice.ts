// The SAE spliced in at its hook with feature interventions, keeping the SAE's error term:
// x_out = decode(f') + (x − decode(f)), computed as x + (decode(f') − decode(f)) so that positions
// (and runs) where f' = f give back x bit for bit: with no intervention the model is unchanged.
import { tf, type Tensor2D, type Tensor3D } from '../tf';
import type { ActivationFn, LanguageModel } from '../lm/types';
import { parseHook } from '../lm/hooks';
import { normaliseIn } from '../sae/normalization';
import type { Sae } from '../sae/types';
import type { Intervention, SteerSpec } from './types';

/** Checks ids, modes and values against the SAE; a feature may appear once. */
export function checkInterventions(sae: Pick<Sae, 'dSae'>, list: Intervention[]): void {
  const seen = new Set<number>();
  for (const iv of list) {
    if (!Number.isInteger(iv.feature) || iv.feature < 0 || iv.feature >= sae.dSae) {
      throw new Error(`feature ${iv.feature}: expected an integer in 0..${sae.dSae - 1} (the SAE has ${sae.dSae} features)`);
    }
    if (seen.has(iv.feature)) throw new Error(`feature ${iv.feature} has more than one intervention`);
    seen.add(iv.feature);
    if (!['clamp', 'scale', 'ablate'].includes(iv.mode)) throw new Error(`feature ${iv.feature}: unknown intervention "${iv.mode}" (clamp, scale or ablate)`);
    if (iv.mode !== 'ablate' && !Number.isFinite(iv.value)) throw new Error(`feature ${iv.feature}: ${iv.mode} needs a finite value, got ${iv.value}`);
  }
}

/** The SAE's hook, checked against the model (a TransformerLens name, the model's width). */
export function saeHookFor(model: Pick<LanguageModel, 'config'>, sae: Pick<Sae, 'hookName' | 'dIn'>): string {
  if (!sae.hookName) throw new Error('the SAE records no hook (cfg.json metadata.hook_name); convert it with `jumplens sae convert --hook`');
  parseHook(sae.hookName, model.config.nLayers);
  if (sae.dIn !== model.config.dModel) throw new Error(`the SAE reads d_in=${sae.dIn} but ${model.config.name} has d_model=${model.config.dModel}`);
  return sae.hookName;
}

/**
 * The hook to splice at: `hook` (the hook a document encodes, which `@hook` may move off the SAE's
 * own) or else the SAE's, checked against the model either way.
 */
export function steerHook(model: Pick<LanguageModel, 'config'>, sae: Pick<Sae, 'hookName' | 'dIn'>, hook?: string): string {
  if (hook === undefined) return saeHookFor(model, sae);
  parseHook(hook, model.config.nLayers);
  if (sae.dIn !== model.config.dModel) throw new Error(`the SAE reads d_in=${sae.dIn} but ${model.config.name} has d_model=${model.config.dModel}`);
  return hook;
}

/** First position to steer: spec.fromPosition, but never a leading BOS. */
export function steerStart(ids: number[], bosId: number | undefined, spec: SteerSpec): number {
  const from = spec.fromPosition ?? 0;
  if (!Number.isInteger(from) || from < 0) throw new Error(`from-position ${from}: expected a non-negative integer`);
  return Math.max(from, bosId !== undefined && ids[0] === bosId ? 1 : 0);
}

/** f: [n, d_sae] -> f' = f · mult + add, where each intervened column gets its mult and add. */
export function intervene(f: Tensor2D, list: Intervention[]): Tensor2D {
  const d = f.shape[1];
  const mult = new Float32Array(d).fill(1);
  const add = new Float32Array(d);
  for (const iv of list) {
    mult[iv.feature] = iv.mode === 'scale' ? (iv.value ?? 1) : 0;
    add[iv.feature] = iv.mode === 'clamp' ? (iv.value ?? 0) : 0;
  }
  return tf.add(tf.mul(f, tf.tensor1d(mult)), tf.tensor1d(add)) as Tensor2D;
}

/**
 * The replacement for the SAE's hook: act: [b, s, d] at absolute positions pos0.. -> same shape,
 * steered at positions >= start. Intermediates are freed; the result belongs to the caller.
 */
export function steeringFn(sae: Sae, list: Intervention[], start: number): ActivationFn {
  checkInterventions(sae, list);
  return (act: Tensor3D, pos0 = 0) =>
    tf.tidy(() => {
      const [b, s, d] = act.shape;
      const skip = Math.min(s, Math.max(0, start - pos0)); // rows of act before `start`
      if (skip === s) return tf.clone(act);
      const x = tf.reshape(tf.slice(act, [0, skip, 0], [b, s - skip, d]), [-1, d]) as Tensor2D; // [n, d]
      const f = sae.encode(x); // [n, d_sae]
      let delta = tf.sub(sae.decode(intervene(f, list)), sae.decode(f)) as Tensor2D; // [n, d]
      const mode = sae.cfg.normalize_activations;
      if (mode === 'constant_norm_rescale' || mode === 'layer_norm') {
        // decode() stays in the per-token normalised space for these; map the difference back.
        const { undo } = normaliseIn(x, mode);
        delta = tf.sub(undo(delta), undo(tf.zerosLike(delta))) as Tensor2D;
      }
      const steered = tf.reshape(tf.add(x, delta), [b, s - skip, d]);
      return (skip ? tf.concat([tf.slice(act, [0, 0, 0], [b, skip, d]), steered], 1) : steered) as Tensor3D;
    });
}
