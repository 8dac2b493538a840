// Fine-tuning: the training-space parameters of an existing JumpReLU SAE (a SAELens folder or a
// Gemma Scope params.npz, read by loadSae). Training runs with normalisation off (C = 1), subtracts b_dec
// before the encoder and keeps decoder rows at unit norm, so the file's parameters are re-expressed
// to compute the same function under those rules:
//   - no pre-encoder bias in the file: b_enc ← b_enc + b_dec·W_enc;
//   - decoder rows of norm nᵢ: W_dec[i] ← W_dec[i]/nᵢ, W_enc[:,i] ← nᵢ·W_enc[:,i], b_enc, θ ← nᵢ·(…).
import { loadSae } from '../sae/io';
import type { HostTensors } from '../sae/training-sae-base';

/** `p`: any SAE loadSae reads (SAELens folder, Gemma Scope params.npz) whose architecture is jumprelu. */
export async function readSaeForFinetune(p: string): Promise<{ params: HostTensors; dIn: number; dSae: number; cfg: Record<string, unknown> }> {
  const sae = await loadSae(p);
  try {
    if (sae.architecture !== 'jumprelu') {
      throw new Error(
        `${p}: the SAE is "${sae.architecture}"; fine-tuning supports jumprelu SAEs (a Gated SAE converts with \`jumplens sae convert --to-jumprelu\`)`,
      );
    }
    const host = async (name: string) => Float32Array.from((await sae.params()[name].data()) as Float32Array);
    const { dIn, dSae } = sae;
    const cfg = sae.cfg as Record<string, unknown>;
    const [wEnc, wDec, bEnc, bd, theta] = await Promise.all(['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold'].map(host));
    return reexpress(p, cfg, dIn, dSae, wEnc, wDec, bEnc, bd, theta);
  } finally {
    sae.dispose();
  }
}

function reexpress(
  p: string,
  cfg: Record<string, unknown>,
  dIn: number,
  dSae: number,
  wEnc: Float32Array,
  wDec: Float32Array,
  bEnc: Float32Array,
  bd: Float32Array,
  theta: Float32Array,
) {
  if (cfg.apply_b_dec_to_input === false) {
    for (let i = 0; i < dSae; i++) {
      let s = 0;
      for (let d = 0; d < dIn; d++) s += bd[d] * wEnc[d * dSae + i];
      bEnc[i] += s;
    }
  }
  for (let i = 0; i < dSae; i++) {
    let n = 0;
    for (let d = 0; d < dIn; d++) n += wDec[i * dIn + d] ** 2;
    n = Math.sqrt(n);
    if (!(n > 0)) throw new Error(`${p}: decoder row ${i} has zero norm`);
    for (let d = 0; d < dIn; d++) {
      wDec[i * dIn + d] /= n;
      wEnc[d * dSae + i] *= n;
    }
    bEnc[i] *= n;
    theta[i] *= n;
  }
  return {
    params: {
      W_enc: { data: wEnc, shape: [dIn, dSae] },
      W_dec: { data: wDec, shape: [dSae, dIn] },
      b_enc: { data: bEnc, shape: [dSae] },
      b_dec: { data: bd, shape: [dIn] },
      threshold: { data: theta, shape: [dSae] },
    },
    dIn,
    dSae,
    cfg,
  };
}
