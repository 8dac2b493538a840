import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { npyBytes, parseNpy, readNpy, writeNpy } from '../../../../server/src/engine/io/npy';
import { f32ToF16 } from '../../../../server/src/engine/io/dtype';
import { tempDir } from '../../../helpers/paths';

/** A .npy file the way numpy 1.x writes version 1.0: header padded with spaces to a multiple of 64. */
function numpyFile(descr: string, shape: string, body: Uint8Array, fortran = 'False'): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 11, ' ') + '\n';
  const out = new Uint8Array(total + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, total);
  return out;
}
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

test("writeNpy output is byte-identical to numpy's own layout and reads back", () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = new Float32Array([1.5, -2, 3.25, 0, 1e-8, 7]);
    const file = path.join(dir, 'x.npy');
    writeNpy(file, f, [2, 3]);
    const raw = readFileSync(file);
    assert.deepEqual(new Uint8Array(raw), numpyFile('<f4', '(2, 3)', bytesOf(f)));
    assert.equal((raw.length - f.byteLength) % 64, 0);
    const back = readNpy(file);
    assert.equal(back.descr, '<f4');
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual(Array.from(back.data), Array.from(f));

    const ids = new Int32Array([5, -1, 2147483647]);
    writeNpy(file, ids, [3]);
    assert.deepEqual(new Uint8Array(readFileSync(file)), numpyFile('<i4', '(3,)', bytesOf(ids)));
    const b2 = readNpy(file);
    assert.ok(b2.data instanceof Int32Array);
    assert.deepEqual(b2.shape, [3]);
    assert.deepEqual(Array.from(b2.data), [5, -1, 2147483647]);

    // A 0-d array (shape ()) holds one element.
    writeNpy(file, new Float32Array([4]), []);
    const s = readNpy(file);
    assert.deepEqual(s.shape, []);
    assert.deepEqual(Array.from(s.data), [4]);
    assert.throws(() => npyBytes(new Float32Array(5), [2, 3]), /shape \[2, 3\] has 6 elements, data has 5/);
  } finally {
    cleanup();
  }
});

test('reads f8, f2, i8 and u1 as numpy writes them', () => {
  const f8 = parseNpy(numpyFile('<f8', '(2,)', bytesOf(new Float64Array([0.1, -3]))), 'f8.npy');
  assert.deepEqual(Array.from(f8.data), [Math.fround(0.1), -3]);
  const f2 = parseNpy(numpyFile('<f2', '(1, 3)', bytesOf(f32ToF16(new Float32Array([0.5, -2, 65504])))), 'f2.npy');
  assert.deepEqual(f2.shape, [1, 3]);
  assert.deepEqual(Array.from(f2.data), [0.5, -2, 65504]);
  const i8 = parseNpy(numpyFile('<i8', '(3,)', bytesOf(new BigInt64Array([1n, -7n, 40000n]))), 'i8.npy');
  assert.ok(i8.data instanceof Int32Array);
  assert.deepEqual(Array.from(i8.data), [1, -7, 40000]);
  const u1 = parseNpy(numpyFile('|u1', '(2,)', new Uint8Array([255, 3])), 'u1.npy');
  assert.deepEqual(Array.from(u1.data), [255, 3]);
});

test('Fortran-order arrays read back in C order, as numpy.load gives them', () => {
  // np.asfortranarray([[1, 2, 3], [4, 5, 6]]).tofile order: columns first.
  const f = parseNpy(numpyFile('<f4', '(2, 3)', bytesOf(new Float32Array([1, 4, 2, 5, 3, 6])), 'True'), 'F.npy');
  assert.deepEqual(f.shape, [2, 3]);
  assert.deepEqual(Array.from(f.data), [1, 2, 3, 4, 5, 6]);
  // 3-D: element (i, j, l) of shape [2, 2, 2] at i + 2j + 4l in the file.
  const vals = [0, 1, 2, 3, 4, 5, 6, 7];
  const fileOrder = new Float32Array(8);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let l = 0; l < 2; l++) fileOrder[i + 2 * j + 4 * l] = vals[i * 4 + j * 2 + l];
  const g = parseNpy(numpyFile('<f4', '(2, 2, 2)', bytesOf(fileOrder), 'True'), 'G.npy');
  assert.deepEqual(Array.from(g.data), vals);
});

test('bad .npy input raises errors that name the file and the problem', () => {
  const body = bytesOf(new Float32Array([1, 2, 3, 4]));
  assert.throws(() => parseNpy(numpyFile('>f4', '(2, 2)', body), 'be.npy'), /be\.npy: unsupported dtype >f4.*big-endian/);
  assert.throws(() => parseNpy(numpyFile('<c8', '(2,)', body), 'c.npy'), /c\.npy: unsupported dtype <c8/);
  const full = numpyFile('<f4', '(2, 2)', body);
  assert.throws(() => parseNpy(full.subarray(0, full.length - 3), 'trunc.npy'), /trunc\.npy: shape \[2, 2\] of <f4 needs 16 bytes, file has 13: truncated/);
  assert.throws(() => parseNpy(full.subarray(0, 40), 'hdr.npy'), /hdr\.npy: .npy header length \d+ points past the end/);
  assert.throws(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'junk.npy'), /junk\.npy: not a .npy file/);
  assert.throws(() => parseNpy(numpyFile('<f4', 'oops', body), 'm.npy'), /m\.npy: malformed .npy header/);
  assert.throws(
    () => parseNpy(numpyFile('<i8', '(1,)', bytesOf(new BigInt64Array([1n << 40n]))), 'big.npy'),
    /big\.npy: int64 value 1099511627776 at element 0 does not fit in int32/,
  );
  const { dir, cleanup } = tempDir();
  try {
    const missing = path.join(dir, 'none.npy');
    assert.throws(
      () => readNpy(missing),
      (e: Error) => e.message.startsWith(missing) && /ENOENT/.test(e.message),
    );
    writeFileSync(path.join(dir, 'ok.npy'), full);
    assert.deepEqual(Array.from(readNpy(path.join(dir, 'ok.npy')).data), [1, 2, 3, 4]);
  } finally {
    cleanup();
  }
});
