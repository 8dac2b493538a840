// SAELens's optional sparsity.safetensors beside an SAE: one tensor `sparsity` [d_sae] holding each
// feature's log10 firing density (−∞ or a large negative number for dead features; SAELens writes
// log10(density + 1e-10)). Dashboards use it to spot dead and dense features.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { readSafetensorsHeader, readTensorF32, writeSafetensors } from '../../io/safetensors';

export const SPARSITY_FILE = 'sparsity.safetensors';
export const SPARSITY_KEY = 'sparsity';

/** log10 densities [d_sae] from `dir`/sparsity.safetensors, or undefined when the file is absent. */
export function readSparsity(dir: string, dSae: number): Float32Array | undefined {
  const file = path.join(dir, SPARSITY_FILE);
  if (!existsSync(file)) return undefined;
  const header = readSafetensorsHeader(file);
  if (!header.entries.has(SPARSITY_KEY)) {
    throw new Error(`${file}: missing tensor ${SPARSITY_KEY} (has: ${[...header.entries.keys()].join(', ') || 'none'})`);
  }
  const { data, shape } = readTensorF32(header, SPARSITY_KEY);
  if (data.length !== dSae || shape.length > 2 || (shape.length === 2 && shape[0] !== 1)) {
    throw new Error(`${file}: tensor ${SPARSITY_KEY} has shape [${shape.join(', ')}] but the SAE has d_sae=${dSae}`);
  }
  for (let i = 0; i < data.length; i++) {
    // log10 density is at most 0; NaN or a positive value means the file is not what it claims.
    if (Number.isNaN(data[i]) || data[i] > 1e-6)
      throw new Error(`${file}: tensor ${SPARSITY_KEY} holds ${data[i]} at feature ${i}, not a log10 density (<= 0)`);
  }
  return data;
}

/** Writes `dir`/sparsity.safetensors atomically. logSparsity: [d_sae] log10 densities. */
export function writeSparsity(dir: string, logSparsity: Float32Array, dSae: number): void {
  if (logSparsity.length !== dSae) throw new Error(`${path.join(dir, SPARSITY_FILE)}: sparsity has ${logSparsity.length} entries, the SAE ${dSae} features`);
  writeSafetensors(path.join(dir, SPARSITY_FILE), { [SPARSITY_KEY]: { data: logSparsity, shape: [dSae] } });
}

/** log10(density + 1e-10) per feature, as SAELens computes the values it stores. */
export function logDensity(fireCounts: ArrayLike<number>, nTokens: number): Float32Array {
  if (!(nTokens > 0)) throw new Error(`logDensity: nTokens must be positive, got ${nTokens}`);
  const out = new Float32Array(fireCounts.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.log10(fireCounts[i] / nTokens + 1e-10);
  return out;
}
