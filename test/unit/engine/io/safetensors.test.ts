import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, readSafetensorsHeader, readTensorF32, writeSafetensors } from '../../../../server/src/engine/io/safetensors';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from '../../../../server/src/engine/io/dtype';
import { writeFileAtomic } from '../../../../server/src/engine/io/atomic-write';
import { tempDir } from '../../../helpers/paths';

/** Builds a safetensors file by hand from a header object and raw data, to craft bad inputs. */
function rawFile(file: string, header: unknown, data: Uint8Array, headerLenOverride?: number): void {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerLenOverride ?? h.length));
  writeFileSync(file, Buffer.concat([len, h, data]));
}

test('round-trips F32 exactly and F16/BF16 within their precision, with metadata', () => {
  const { dir, cleanup } = tempDir();
  try {
    const a = Float32Array.from({ length: 24 }, (_, i) => (i - 11) * 0.37);
    const b = Float32Array.from([1e-3, -2.5, 65504, 0]);
    for (const dtype of ['F32', 'F16', 'BF16'] as const) {
      const f = path.join(dir, `t-${dtype}.safetensors`);
      writeSafetensors(f, { W_enc: { data: a, shape: [4, 6] }, b_dec: { data: b, shape: [4] } }, { dtype, metadata: { format: 'pt' } });
      const h = readSafetensorsHeader(f);
      assert.deepEqual(h.metadata, { format: 'pt' });
      assert.equal(h.entries.get('W_enc')?.dtype, dtype);
      assert.deepEqual(h.entries.get('W_enc')?.shape, [4, 6]);
      // Data starts 8-byte aligned after the header.
      assert.equal(Number(readFileSync(f).readBigUInt64LE(0)) % 8, 0);
      const all = readSafetensors(f);
      const tol = dtype === 'F32' ? 0 : dtype === 'F16' ? 1e-3 : 1e-2;
      const got = all.get('W_enc')!.data;
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(got[i] - a[i]) <= tol * Math.max(1, Math.abs(a[i])), `${dtype} W_enc[${i}]`);
      assert.equal(readTensorF32(h, 'b_dec').data[2], dtype === 'BF16' ? 65536 : 65504);
    }
  } finally {
    cleanup();
  }
});

test('half-precision conversions: exact values, rounding to nearest even, specials', () => {
  const src = Float32Array.from([0, -0, 1, -2, 0.5, 65504, 1e6, -1e6, 5.960464477539063e-8, NaN, Infinity, 1 + 2 ** -11, 1 + 3 * 2 ** -11]);
  const back = f16ToF32(f32ToF16(src));
  assert.deepEqual(Array.from(back.slice(0, 6)), [0, -0, 1, -2, 0.5, 65504]);
  assert.equal(back[6], Infinity); // overflow
  assert.equal(back[7], -Infinity);
  assert.equal(back[8], 5.960464477539063e-8); // smallest subnormal survives
  assert.ok(Number.isNaN(back[9]));
  assert.equal(back[10], Infinity);
  assert.equal(back[11], 1); // tie rounds to even (down)
  assert.equal(back[12], 1 + 2 ** -9); // tie rounds to even (up)
  const bsrc = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -3.140625, NaN]);
  const bback = bf16ToF32(f32ToBf16(bsrc));
  assert.equal(bback[0], 1);
  assert.equal(bback[1], 1); // tie to even
  assert.equal(bback[2], 1 + 2 ** -6);
  assert.equal(bback[3], -3.140625);
  assert.ok(Number.isNaN(bback[4]));
});

test('bad files fail with the file, the tensor and the problem', () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = path.join(dir, 'bad.safetensors');
    const four = new Uint8Array(16);
    const cases: [string, () => void, RegExp][] = [
      ['tiny', () => writeFileSync(f, Buffer.from([1, 2, 3])), /shorter than the 8-byte header/],
      ['len past end', () => rawFile(f, { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four, 5000), /points past the end of the file/],
      [
        'bad json',
        () => {
          const l = Buffer.alloc(8);
          l.writeBigUInt64LE(3n);
          writeFileSync(f, Buffer.concat([l, Buffer.from('{x]')]));
        },
        /not valid JSON/,
      ],
      ['dtype', () => rawFile(f, { W_enc: { dtype: 'F8', shape: [4], data_offsets: [0, 16] } }, four), /tensor W_enc: unsupported dtype "F8"/],
      [
        'shape bytes',
        () => rawFile(f, { W_enc: { dtype: 'F32', shape: [5], data_offsets: [0, 16] } }, four),
        /tensor W_enc: shape \[5\] of F32 needs 20 bytes but data_offsets give 16/,
      ],
      [
        'offsets past end',
        () => rawFile(f, { W_dec: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, four),
        /tensor W_dec: data_offsets \[0, 32\] point past the end/,
      ],
      [
        'overlap',
        () => rawFile(f, { a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, four),
        /overlap/,
      ],
      ['negative shape', () => rawFile(f, { a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, four), /non-negative integers/],
    ];
    for (const [label, make, re] of cases) {
      make();
      assert.throws(
        () => readSafetensorsHeader(f),
        (e: Error) => e.message.startsWith(f) && re.test(e.message),
        label,
      );
    }
    rawFile(f, { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, four);
    assert.throws(() => readTensorF32(readSafetensorsHeader(f), 'W_enc'), /missing tensor W_enc \(has: a\)/);
    assert.throws(() => writeSafetensors(f, { a: { data: new Float32Array(3), shape: [2, 2] } }), /tensor a: shape \[2, 2\] has 4 elements but data has 3/);
  } finally {
    cleanup();
  }
});

test('atomic writes leave no temp files and replace the target whole', () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = path.join(dir, 'sub', 'x.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, [Buffer.from('tw'), Buffer.from('o')]);
    assert.equal(readFileSync(f, 'utf8'), 'two');
    assert.deepEqual(readdirSync(path.dirname(f)), ['x.json']);
    assert.ok(existsSync(f));
  } finally {
    cleanup();
  }
});
