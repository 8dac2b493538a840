// Loads the optional native compute addon (native/, built by scripts/build-native.mjs at install)
// and says why when it cannot: not built, failed to load, or turned off with JUMPLENS_NATIVE=0.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export type NativeScratch = { readonly __scratch: unique symbol };

export interface NativeStepMetrics {
  loss: number;
  mse: number;
  sparsity: number;
  aux: number;
  l0: number;
  explainedVariance: number;
  minKept?: number;
}

export interface NativeAddon {
  createScratch(): NativeScratch;
  releaseScratch(s: NativeScratch): void;
  trainStep(s: NativeScratch, buffers: Record<string, unknown>, cfg: Record<string, number>): NativeStepMetrics;
  encodeTopK(
    inputs: Record<string, Float32Array | undefined>,
    cfg: Record<string, number>,
    out: { indices: Int32Array; values: Float32Array; l0: Int32Array },
  ): void;
  encodeDense(inputs: Record<string, Float32Array | undefined>, cfg: Record<string, number>, out: Float32Array): void;
  blasInfo(): { config: string; threads: number };
}

export interface NativeStatus {
  addon?: NativeAddon;
  /** Where it was loaded from, or why not. */
  detail: string;
}

const ADDON = path.join('native', 'build', 'Release', 'jumplens_native.node');
const runtimeRequire = createRequire(__filename);
let cached: NativeStatus | undefined;

/** The repository (or package) root above this file that holds native/build, if any. */
function addonPath(): string | undefined {
  for (let d = __dirname; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, ADDON))) return path.join(d, ADDON);
    if (path.dirname(d) === d) return undefined;
  }
}

export function nativeStatus(): NativeStatus {
  if (process.env.JUMPLENS_NATIVE === '0') return { detail: 'turned off by JUMPLENS_NATIVE=0' };
  if (cached) return cached;
  const p = addonPath();
  if (!p) cached = { detail: `not built (no ${ADDON}; needs a C++ compiler and libopenblas-dev, then \`npm run build:native\`)` };
  else {
    try {
      cached = { addon: runtimeRequire(p) as NativeAddon, detail: p };
    } catch (e) {
      cached = { detail: `${p} failed to load: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
    }
  }
  return cached;
}

export function nativeAddon(): NativeAddon | undefined {
  return nativeStatus().addon;
}
