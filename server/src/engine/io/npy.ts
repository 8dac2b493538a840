// NumPy .npy (format 1.0/2.0, little-endian, C or Fortran order on read, C order on write): activations and feature codes exchanged with
// Python, and the arrays inside Gemma Scope's params.npz. The npm npy packages read only (npyjs) or
// are unmaintained, and the format is a 10-byte preamble plus a Python-literal header, so it is here.
import { checkTensorBytes, shapeBytes } from './limits';
import { readRegularFile } from './open-regular';
import { writeFileAtomic } from './atomic-write';
import { f16ToF32 } from './dtype';

export type NpyData = Float32Array | Int32Array;

export interface NpyArray {
  data: NpyData;
  shape: number[];
  /** The stored dtype descriptor, e.g. '<f4'. Floats are returned as Float32Array, ints as Int32Array. */
  descr: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** The byte length a .npy's header declares for the whole file (preamble + header + data). */
export function npyDeclaredBytes(bytes: Uint8Array, name: string): number {
  const { shape, size, hstart, hlen } = parseHeader(bytes, name);
  return hstart + hlen + shapeBytes(name, 'the array', shape, size);
}

const SIZES: Record<string, number> = { '<f4': 4, '<f8': 8, '<f2': 2, '<i4': 4, '<i8': 8, '|u1': 1, '|i1': 1, '|b1': 1 };

function parseHeader(bytes: Uint8Array, name: string): { descr: string; shape: number[]; size: number; hstart: number; hlen: number; fortranOrder: boolean } {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const hstart = major === 1 ? 10 : 12;
  if (hstart + hlen > bytes.length) throw new Error(`${name}: .npy header length ${hlen} points past the end of the file`);
  const header = new TextDecoder().decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) throw new Error(`${name}: malformed .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeStr
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s));
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`${name}: bad shape (${shapeStr})`);
  const size = SIZES[descr];
  if (!size) throw new Error(`${name}: unsupported dtype ${descr} (supported: ${Object.keys(SIZES).join(' ')}; big-endian is not)`);
  return { descr, shape, size, hstart, hlen, fortranOrder: fortran === 'True' };
}

/** Parses .npy bytes; `name` (a file or archive member) is used in error messages. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  const { descr, shape, size, hstart, hlen, fortranOrder } = parseHeader(bytes, name);
  const n = shape.reduce((a, d) => a * d, 1);
  const body = bytes.subarray(hstart + hlen);
  // The decoded array is float32/int32: 4 bytes an element whatever the stored width.
  checkTensorBytes(name, `shape [${shape.join(', ')}]`, shapeBytes(name, 'the array', shape, Math.max(size, 4)));
  if (body.length < n * size) throw new Error(`${name}: shape [${shape.join(', ')}] of ${descr} needs ${n * size} bytes, file has ${body.length}: truncated?`);
  const ab = body.buffer.slice(body.byteOffset, body.byteOffset + n * size);
  let data: NpyData;
  switch (descr) {
    case '<f4':
      data = new Float32Array(ab);
      break;
    case '<f8':
      data = Float32Array.from(new Float64Array(ab));
      break;
    case '<f2':
      data = f16ToF32(new Uint16Array(ab));
      break;
    case '<i4':
      data = new Int32Array(ab);
      break;
    case '<i8': {
      const big = new BigInt64Array(ab);
      // Token ids and feature ids fit in int32; anything wider would wrap silently, so refuse it.
      const bad = big.findIndex((v) => v > 2147483647n || v < -2147483648n);
      if (bad >= 0) throw new Error(`${name}: int64 value ${big[bad]} at element ${bad} does not fit in int32`);
      data = Int32Array.from(big, (v) => Number(v));
      break;
    }
    case '|i1':
      data = Int32Array.from(new Int8Array(ab));
      break;
    default:
      data = Int32Array.from(new Uint8Array(ab));
  }
  // numpy (and so SAELens's Gemma Scope loader) reads Fortran-order arrays; they are reordered to C order here.
  return { data: fortranOrder && shape.length > 1 ? fortranToC(data, shape) : data, shape, descr };
}

/** Column-major data of `shape` -> the same array in row-major order. */
export function fortranToC<T extends NpyData>(data: T, shape: number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const nd = shape.length;
  // Fortran strides: element (i0..i_{nd-1}) sits at Σ i_j · Π_{l<j} shape_l.
  const fStride = shape.map((_, j) => shape.slice(0, j).reduce((a, d) => a * d, 1));
  const idx = new Array<number>(nd).fill(0);
  let src = 0;
  for (let c = 0; c < data.length; c++) {
    out[c] = data[src];
    // Advance the C-order index (last axis fastest) and keep src in step.
    for (let j = nd - 1; j >= 0; j--) {
      idx[j]++;
      src += fStride[j];
      if (idx[j] < shape[j]) break;
      src -= fStride[j] * shape[j];
      idx[j] = 0;
    }
  }
  return out;
}

export function readNpy(file: string): NpyArray {
  return parseNpy(readRegularFile(file), file);
}

export function npyBytes(data: NpyData, shape: number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`npy: shape [${shape.join(', ')}] has ${n} elements, data has ${data.length}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const descr = data instanceof Int32Array ? '<i4' : '<f4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // magic(6) + version(2) + len(2) + header + '\n', padded to a multiple of 64 as numpy does.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.byteLength);
  out.set([...MAGIC, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}

export function writeNpy(file: string, data: NpyData, shape: number[]): void {
  writeFileAtomic(file, npyBytes(data, shape));
}
