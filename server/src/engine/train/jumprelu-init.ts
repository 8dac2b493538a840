// JumpReLU θ₀ and ε chosen from the data when the config does not give them (issue #11).
//
// Why: the paper's θ₀ = ε = 0.001 ([GS] §3.2) assumes a large model and ~10⁹ tokens. At init
// W_enc = W_decᵀ, so every latent whose pre-activation clears a tiny θ₀ fires: L0 starts near d_sae/2
// and the SAE reconstructs the input many times over (explained variance ≈ −70 on stories260K).
// Under a short run λ cannot pull that down before the budget ends. Starting from a θ₀ that already
// gives a sensible L0 ("starting sparse", issue #11's table) and an ε on the scale of the
// pre-activations makes the run start where the paper's long runs end up, whatever the
// activation scale. Both values are pure functions of the first batch, so a seed reproduces them.
//
// θ₀ is per latent: latent i starts at the (1 − initL0/d_sae) quantile of its own first-batch
// pre-activations, so every latent fires on the same share of tokens at step 0 and none starts dead
// (a single shared θ₀ leaves latents whose pre-activations have a small spread never firing on
// anisotropic activations such as a residual stream).
// ε is a multiple of the pre-activations' standard deviation: the rectangle kernel then sees a
// share of tokens that does not depend on the input's scale or d_in ([GS] fn 5: too small an ε and
// θ does not train; too large and the gradient is biased).

/** The init knobs, resolved (config.ts holds their defaults). */
export interface JumpReluInitOptions {
  d_sae: number;
  /** Mean L0 the initial thresholds give on the first batch (a count of latents). */
  initL0: number;
  /** ε as a multiple of the standard deviation of the first batch's pre-activations. */
  bandwidthScale: number;
  /** Given θ₀ (training units): used for every latent instead of the quantile. */
  initThreshold?: number;
  /** Given ε (training units). */
  bandwidth?: number;
}

export interface JumpReluInit {
  /** θ₀ per latent: [d_sae], training units (E||x||² = 1). */
  initThreshold: Float32Array;
  /** ε, training units. */
  bandwidth: number;
  /** What cfg.json records: the values and where each came from. */
  summary: {
    initThreshold: { min: number; median: number; max: number; source: 'data' | 'config' };
    bandwidth: number;
    bandwidthSource: 'data' | 'config';
    initL0: number;
    preActStd: number;
  };
}

/** pi: the first batch's pre-activations at initialisation, [batch, d_sae] row-major. */
export function chooseJumpReluInit(pi: Float32Array, batch: number, o: JumpReluInitOptions): JumpReluInit {
  const d = o.d_sae;
  if (pi.length !== batch * d) throw new Error(`jumprelu init: pre-activations have ${pi.length} entries, expected batch ${batch} × d_sae ${d}`);
  if (!(o.initL0 > 0 && o.initL0 < d)) throw new Error(`train config: field "initL0" must be in (0, d_sae=${d}), got ${o.initL0}`);
  if (!(o.bandwidthScale > 0)) throw new Error(`train config: field "bandwidthScale" must be > 0, got ${o.bandwidthScale}`);
  let sum = 0;
  let sq = 0;
  for (const v of pi) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / pi.length;
  const std = Math.sqrt(Math.max(0, sq / pi.length - mean * mean));
  const theta = new Float32Array(d);
  if (o.initThreshold !== undefined) theta.fill(o.initThreshold);
  else {
    // The (1 − initL0/d) quantile per latent: about initL0/d of the batch's tokens fire latent i.
    const fireShare = o.initL0 / d;
    const rank = Math.min(batch - 1, Math.max(0, Math.floor((1 - fireShare) * batch)));
    const col = new Float32Array(batch);
    for (let i = 0; i < d; i++) {
      for (let n = 0; n < batch; n++) col[n] = pi[n * d + i];
      col.sort();
      // θ is clamped ≥ 0 by the raw parameterisation and must be > 0 for log θ.
      theta[i] = Math.max(col[rank], 1e-6);
    }
  }
  const bandwidth = o.bandwidth ?? o.bandwidthScale * std;
  if (!(bandwidth > 0)) throw new Error(`jumprelu init: the first batch's pre-activations have no spread (std ${std}); give "bandwidth" explicitly`);
  const sorted = Float32Array.from(theta).sort();
  return {
    initThreshold: theta,
    bandwidth,
    summary: {
      initThreshold: { min: sorted[0], median: sorted[Math.floor(d / 2)], max: sorted[d - 1], source: o.initThreshold !== undefined ? 'config' : 'data' },
      bandwidth,
      bandwidthSource: o.bandwidth !== undefined ? 'config' : 'data',
      initL0: o.initL0,
      preActStd: std,
    },
  };
}

/** Whether the run leaves θ₀ or ε to the data (JumpReLU with either left out: NaN after resolving). */
export function needsDataInit(c: { architecture: string; bandwidth: number; initThreshold: number }): boolean {
  return c.architecture === 'jumprelu' && (Number.isNaN(c.bandwidth) || Number.isNaN(c.initThreshold));
}
