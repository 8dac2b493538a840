// Reader and writer for the safetensors format (8-byte little-endian header length, a JSON header,
// then raw little-endian tensor bytes). The npm `safetensors` package is an unmaintained 0.0.1, so
// this small module does it, validating everything a corrupt or hostile file could get wrong: header
// length, JSON, dtypes, shapes against byte counts, offsets inside the data region, overlaps.
// Tensors are read one at a time at their offsets, so multi-GB sharded checkpoints never load whole.
import { closeSync, readSync } from 'node:fs';
import { checkTensorBytes } from './limits';
import { openRegular } from './open-regular';
import { writeFileAtomic } from './atomic-write';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './dtype';

export type StDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const ITEM_SIZE: Record<StDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface StEntry {
  name: string;
  dtype: StDtype;
  shape: number[];
  /** Absolute byte offsets of the tensor's data in the file, [begin, end). */
  begin: number;
  end: number;
}

export interface StHeader {
  file: string;
  entries: Map<string, StEntry>;
  metadata: Record<string, string>;
}

/** Headers beyond this are refused: real ones are kilobytes, and a huge one is a corrupt length. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

function fail(file: string, msg: string): never {
  throw new Error(`${file}: ${msg}`);
}

export function readSafetensorsHeader(file: string): StHeader {
  const { fd, size } = openRegular(file);
  try {
    if (size < 8) fail(file, `not a safetensors file: ${size} bytes, shorter than the 8-byte header length`);
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const n = Number(lenBuf.readBigUInt64LE(0));
    if (n > MAX_HEADER_BYTES) fail(file, `header length ${n} bytes is implausible (corrupt file or not safetensors)`);
    if (8 + n > size) fail(file, `header length ${n} points past the end of the file (${size} bytes): file truncated?`);
    const hBuf = Buffer.alloc(n);
    readSync(fd, hBuf, 0, n, 8);
    let json: unknown;
    try {
      json = JSON.parse(hBuf.toString('utf8'));
    } catch (e) {
      fail(file, `header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) fail(file, 'header must be a JSON object');
    const dataStart = 8 + n;
    const dataLen = size - dataStart;
    const entries = new Map<string, StEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, v] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (typeof v !== 'object' || v === null) fail(file, '__metadata__ must be an object of strings');
        for (const [k, mv] of Object.entries(v as Record<string, unknown>)) {
          if (typeof mv !== 'string') fail(file, `__metadata__.${k} must be a string`);
        }
        metadata = v as Record<string, string>;
        continue;
      }
      const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (typeof e !== 'object' || e === null) fail(file, `tensor ${name}: entry must be an object`);
      if (typeof e.dtype !== 'string' || !(e.dtype in ITEM_SIZE)) {
        fail(file, `tensor ${name}: unsupported dtype ${JSON.stringify(e.dtype)} (known: ${Object.keys(ITEM_SIZE).join(', ')})`);
      }
      const dtype = e.dtype as StDtype;
      if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(file, `tensor ${name}: shape ${JSON.stringify(e.shape)} must be a list of non-negative integers`);
      }
      const shape = e.shape as number[];
      const off = e.data_offsets;
      if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) {
        fail(file, `tensor ${name}: data_offsets ${JSON.stringify(off)} must be [begin, end] with 0 <= begin <= end`);
      }
      const [b, en] = off as [number, number];
      if (en > dataLen) fail(file, `tensor ${name}: data_offsets [${b}, ${en}] point past the end of the data (${dataLen} bytes): file truncated?`);
      const expected = shape.reduce((a, d) => a * d, 1) * ITEM_SIZE[dtype];
      checkTensorBytes(file, `tensor ${name} (shape [${shape.join(', ')}] of ${dtype})`, (expected / ITEM_SIZE[dtype]) * Math.max(ITEM_SIZE[dtype], 4));
      if (en - b !== expected) {
        fail(file, `tensor ${name}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but data_offsets give ${en - b}`);
      }
      entries.set(name, { name, dtype, shape, begin: dataStart + b, end: dataStart + en });
    }
    const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].begin < sorted[i - 1].end) fail(file, `tensors ${sorted[i - 1].name} and ${sorted[i].name} overlap`);
    }
    return { file, entries, metadata };
  } finally {
    closeSync(fd);
  }
}

function readBytes(header: StHeader, e: StEntry): Buffer {
  const buf = Buffer.alloc(e.end - e.begin);
  const { fd } = openRegular(header.file);
  try {
    let got = 0;
    while (got < buf.length) {
      const r = readSync(fd, buf, got, buf.length - got, e.begin + got);
      if (r === 0) fail(header.file, `tensor ${e.name}: file ended after ${got} of ${buf.length} bytes`);
      got += r;
    }
  } finally {
    closeSync(fd);
  }
  return buf;
}

/** Reads one tensor and converts it to float32, whatever its stored dtype. */
export function readTensorF32(header: StHeader, name: string): { data: Float32Array; shape: number[] } {
  const e = header.entries.get(name);
  if (!e) fail(header.file, `missing tensor ${name} (has: ${[...header.entries.keys()].join(', ') || 'none'})`);
  return { data: decode(e.dtype, readBytes(header, e)), shape: e.shape };
}

function decode(dtype: StDtype, buf: Buffer): Float32Array {
  // Copy into a fresh, aligned ArrayBuffer: typed-array views need aligned offsets.
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  let data: Float32Array;
  switch (dtype) {
    case 'F32':
      data = new Float32Array(ab);
      break;
    case 'F16':
      data = f16ToF32(new Uint16Array(ab));
      break;
    case 'BF16':
      data = bf16ToF32(new Uint16Array(ab));
      break;
    case 'F64':
      data = Float32Array.from(new Float64Array(ab));
      break;
    case 'I64':
      data = Float32Array.from(new BigInt64Array(ab), (v) => Number(v));
      break;
    case 'I32':
      data = Float32Array.from(new Int32Array(ab));
      break;
    case 'I16':
      data = Float32Array.from(new Int16Array(ab));
      break;
    case 'I8':
      data = Float32Array.from(new Int8Array(ab));
      break;
    case 'U8':
    case 'BOOL':
      data = Float32Array.from(new Uint8Array(ab));
      break;
  }
  return data;
}

/**
 * Reads rows [start, start + count) of a tensor's first axis as float32, touching only those bytes:
 * what lets a 16k-feature store answer for one feature without loading the rest.
 */
export function readRowsF32(header: StHeader, name: string, start: number, count: number): { data: Float32Array; shape: number[] } {
  const e = header.entries.get(name);
  if (!e) fail(header.file, `missing tensor ${name} (has: ${[...header.entries.keys()].join(', ') || 'none'})`);
  const rows = e.shape[0] ?? 1;
  if (!Number.isInteger(start) || !Number.isInteger(count) || start < 0 || count < 0 || start + count > rows) {
    fail(header.file, `tensor ${name}: rows [${start}, ${start + count}) out of range (it has ${rows})`);
  }
  const rowBytes = (e.end - e.begin) / Math.max(rows, 1);
  const sub: StEntry = { ...e, shape: [count, ...e.shape.slice(1)], begin: e.begin + start * rowBytes, end: e.begin + (start + count) * rowBytes };
  return { data: decode(sub.dtype, readBytes(header, sub)), shape: sub.shape };
}

export function readSafetensors(file: string): Map<string, { data: Float32Array; shape: number[]; dtype: StDtype }> {
  const h = readSafetensorsHeader(file);
  const out = new Map<string, { data: Float32Array; shape: number[]; dtype: StDtype }>();
  for (const e of h.entries.values()) out.set(e.name, { ...readTensorF32(h, e.name), dtype: e.dtype });
  return out;
}

export type StWriteDtype = 'F32' | 'F16' | 'BF16';

/** Writes tensors atomically, in name order as safetensors does: float32 data as F32, F16 or BF16; Int32Array as I32. */
export function writeSafetensors(
  file: string,
  tensors: Record<string, { data: Float32Array | Int32Array; shape: number[] }>,
  opts: { dtype?: StWriteDtype; metadata?: Record<string, string> } = {},
): void {
  const dtype = opts.dtype ?? 'F32';
  const header: Record<string, unknown> = {};
  if (opts.metadata && Object.keys(opts.metadata).length > 0) header.__metadata__ = opts.metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    const { data, shape } = tensors[name];
    const n = shape.reduce((a, d) => a * d, 1);
    if (n !== data.length) fail(file, `tensor ${name}: shape [${shape.join(', ')}] has ${n} elements but data has ${data.length}`);
    // Int32 data (token ids, counts) is stored as I32 whatever the float dtype asked for.
    const raw = data instanceof Int32Array || dtype === 'F32' ? data : dtype === 'F16' ? f32ToF16(data) : f32ToBf16(data);
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    header[name] = { dtype: data instanceof Int32Array ? 'I32' : dtype, shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const hBytes = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hBytes.length));
  writeFileAtomic(file, [len, hBytes, ...chunks]);
}
