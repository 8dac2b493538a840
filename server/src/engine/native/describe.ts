// One line for `jumplens doctor` and the bench: whether the native compute path runs and why not.
import { nativeStatus } from './addon';
import { nativeTrainUnavailable } from './native-train-step';

export interface NativeReport {
  /** True when Trainer.step and encodeTopK run on the native addon. */
  active: boolean;
  detail: string;
  blas?: { config: string; threads: number };
  openblasCoretype?: string;
}

/** Call after initBackend (the native path needs the WASM backend's tensors). */
export function nativeReport(): NativeReport {
  const st = nativeStatus();
  const why = nativeTrainUnavailable();
  return {
    active: !why,
    detail: why ?? `native addon ${st.detail}`,
    blas: st.addon?.blasInfo(),
    openblasCoretype: process.env.OPENBLAS_CORETYPE,
  };
}

export function describeNative(r: NativeReport): string {
  if (!r.active) return `native compute: off (${r.detail}); training and encode run on tfjs`;
  const blas = r.blas ? `, ${r.blas.config.trim()}${r.blas.threads ? `, ${r.blas.threads} threads` : ''}` : '';
  const core = r.openblasCoretype ? ` (OPENBLAS_CORETYPE=${r.openblasCoretype})` : '';
  return `native compute: on (${r.detail}${blas})${core}; training and encode-top-k run natively`;
}
