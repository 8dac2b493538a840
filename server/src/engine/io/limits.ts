// The one place resource limits live. Sizes a file declares (npy shapes, zip members, safetensors
// offsets, cfg.json's d_sae × d_in) are checked against these before anything is allocated, so a
// 1 KB file cannot ask for gigabytes. JUMPLENS_MAX_TENSOR_BYTES raises or lowers the cap.

export const DEFAULT_MAX_TENSOR_BYTES = 8 * 2 ** 30;
export const MAX_TENSOR_BYTES_ENV = 'JUMPLENS_MAX_TENSOR_BYTES';
/** Slack allowed for headers and metadata around the tensor bytes of a whole file. */
const FILE_OVERHEAD_BYTES = 64 * 2 ** 20;
/** DEFLATE cannot expand more than 1032:1, so a member declaring more than this is lying. */
export const MAX_DEFLATE_RATIO = 1032;

/** The largest single tensor (bytes) any reader will allocate. */
export function maxTensorBytes(): number {
  const v = process.env[MAX_TENSOR_BYTES_ENV];
  if (v === undefined || v === '') return DEFAULT_MAX_TENSOR_BYTES;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${MAX_TENSOR_BYTES_ENV}=${JSON.stringify(v)}: must be a positive integer number of bytes`);
  return n;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/** Throws `<file>: <what> needs N bytes, over the limit …` when `bytes` exceeds the tensor cap. */
export function checkTensorBytes(file: string, what: string, bytes: number): void {
  const cap = maxTensorBytes();
  if (!(bytes <= cap)) {
    throw new Error(`${file}: ${what} needs ${formatBytes(bytes)}, over the limit of ${formatBytes(cap)} (set ${MAX_TENSOR_BYTES_ENV} to raise it)`);
  }
}

/** A whole file read into memory: the tensor cap (or `maxBytes`) plus header slack. */
export function checkFileBytes(file: string, size: number, maxBytes?: number): void {
  const cap = maxBytes ?? maxTensorBytes() + FILE_OVERHEAD_BYTES;
  if (size > cap)
    throw new Error(
      `${file}: ${formatBytes(size)} is over the limit of ${formatBytes(cap)} for reading a file whole (set ${MAX_TENSOR_BYTES_ENV} to raise it)`,
    );
}

/** Elements of a shape, as bytes of `itemSize`, refusing non-integer or overflowing products. */
export function shapeBytes(file: string, what: string, shape: readonly number[], itemSize: number): number {
  let n = itemSize;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${file}: ${what} has a bad dimension ${JSON.stringify(d)} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  if (!Number.isSafeInteger(n)) throw new Error(`${file}: ${what} shape [${shape.join(', ')}] is too large to address`);
  return n;
}
