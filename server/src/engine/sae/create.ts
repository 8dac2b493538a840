// Builds an SAE of the configured architecture from named parameters, checking that every tensor
// the architecture needs is there, has the shape cfg.json implies, and holds no NaN or Inf.
import { tf, type Tensor } from '../tf';
import { gatedToJumpReluParams } from './gated';
import { architectureOf } from './registry';
import type { Sae, SaeConfig, SaeParams } from './types';

/** Required tensors and their shapes, per architecture (SAELens names and layout). */
export function expectedShapes(cfg: SaeConfig): Record<string, number[]> {
  const { d_in, d_sae } = cfg;
  const shapes: Record<string, number[]> = { W_enc: [d_in, d_sae], W_dec: [d_sae, d_in], b_dec: [d_in] };
  for (const name of architectureOf(cfg.architecture).extraTensors) shapes[name] = [d_sae];
  return shapes;
}

export interface CreateSaeOptions {
  /** Where the parameters came from, for error messages. */
  source?: string;
  /** expected_average_only_in: the dataset-wide activation scaling factor, if not folded in. */
  scalingFactor?: number;
}

/** Takes ownership of `params`: on success the SAE disposes them; on failure they are disposed here. */
export function createSae(cfg: SaeConfig, params: SaeParams, opts: CreateSaeOptions = {}): Sae {
  const src = opts.source ?? 'SAE';
  try {
    const p: SaeParams = { ...params };
    architectureOf(cfg.architecture).inference.prepareParams(cfg, p);
    const want = expectedShapes(cfg);
    for (const [name, shape] of Object.entries(want)) {
      const t = p[name];
      if (!t) throw new Error(`${src}: missing tensor ${name} required by a ${cfg.architecture} SAE (has: ${Object.keys(p).join(', ')})`);
      if (t.shape.join(',') !== shape.join(',')) {
        throw new Error(`${src}: tensor ${name} has shape [${t.shape.join(', ')}] but cfg (d_in=${cfg.d_in}, d_sae=${cfg.d_sae}) needs [${shape.join(', ')}]`);
      }
      assertFinite(t, name, src);
    }
    return new (architectureOf(cfg.architecture).inference)(cfg, p, opts.scalingFactor);
  } catch (e) {
    for (const t of Object.values(params)) if (!t.isDisposed) t.dispose();
    throw e;
  }
}

function assertFinite(t: Tensor, name: string, src: string): void {
  const [nan, inf] = tf.tidy(() => [tf.sum(tf.cast(tf.isNaN(t), 'int32')), tf.sum(tf.cast(tf.isInf(t), 'int32'))]);
  const counts = [nan.dataSync()[0], inf.dataSync()[0]];
  tf.dispose([nan, inf]);
  if (counts[0] > 0) throw new Error(`${src}: tensor ${name} has ${counts[0]} NaN value(s)`);
  if (counts[1] > 0) throw new Error(`${src}: tensor ${name} has ${counts[1]} infinite value(s)`);
}

/**
 * A Gated SAE as the JumpReLU SAE that computes the same f (spec §3.2): W_enc ⊙ exp(r_mag), b_enc =
 * b_mag, θ = b_mag − exp(r_mag) ⊙ b_gate. Exact here because SAELens's Gated magnitude path shares
 * (ties) W_enc with the gate, and JumpReLU is computed as 1[z > θ]·ReLU(z), as SAELens does, so
 * θ ≤ 0 entries stay exact too. The new SAE owns new tensors; `gated` is left as it was.
 */
export function gatedToJumpRelu(gated: Sae): Sae {
  if (gated.architecture !== 'gated') throw new Error(`gatedToJumpRelu: expected a gated SAE, got ${gated.architecture}`);
  const cfg: SaeConfig = {
    ...gated.cfg,
    architecture: 'jumprelu',
    metadata: { ...gated.cfg.metadata, converted_from: 'gated' },
  };
  const scalingFactor = (gated as { scalingFactor?: number }).scalingFactor;
  return createSae(cfg, gatedToJumpReluParams(gated.params()), { source: 'gated→jumprelu', scalingFactor });
}
