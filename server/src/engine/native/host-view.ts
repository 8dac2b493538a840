// Zero-copy Float32Array views of tfjs tensors on the WASM backend: the native addon reads and
// updates parameters where tfjs keeps them, so nothing is copied per step and every tfjs consumer
// (snapshot, export, events) sees the native updates. Views are taken right before each native call
// (a heap growth detaches older ones) and used synchronously.
import { tf, type Tensor } from '../tf';

interface WasmBackendInternals {
  typedArrayFromHeap(t: { shape: number[]; dtype: string; dataId: object }): Float32Array;
  refCount(dataId: object): number;
}

/** Why zero-copy views are unavailable on the active backend, or undefined when they are. */
export function hostViewUnavailable(): string | undefined {
  const name = tf.getBackend();
  if (name !== 'wasm') return `the ${name} backend (the native path shares tensors with the WASM backend only)`;
  return undefined;
}

function wasm(): WasmBackendInternals {
  return tf.backend() as unknown as WasmBackendInternals;
}

/** A view of t's float32 data on the WASM heap. */
export function hostView(t: Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`native: expected a float32 tensor, got ${t.dtype}`);
  return wasm().typedArrayFromHeap(t as unknown as { shape: number[]; dtype: string; dataId: object });
}

/** Gives variable v its own buffer if it shares one (tf.variable/clone share data), so in-place writes touch v alone. */
export function ensureUnique(v: tf.Variable): void {
  if (wasm().refCount((v as unknown as { dataId: object }).dataId) <= 1) return;
  const own = tf.mul(v, 1);
  v.assign(own);
  own.dispose();
}

/** A new float32 tensor on the WASM heap with uninitialised contents, for the addon to fill. */
export function allocate(shape: number[]): Tensor {
  const b = tf.backend() as unknown as { makeOutput(shape: number[], dtype: string): { dataId: object; shape: number[]; dtype: 'float32' } };
  return tf.engine().makeTensorFromTensorInfo(b.makeOutput(shape, 'float32') as never);
}
