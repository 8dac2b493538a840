// Hostile files: sizes declared by a small file are checked against the file and the tensor cap
// before anything is allocated (zip bomb, lying zip members, huge .npy shapes, cfg.json's d_sae),
// and only regular files are read (a symlink to /dev/zero, a FIFO). Each error names the file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, mock, test } from 'node:test';
import { zipSync } from 'fflate';
import { initBackend } from '../../../../server/src/engine/backend';
import { FeatureStatsAccumulator } from '../../../../server/src/engine/features/feature-stats';
import { FeatureStore, LABELS_FILE, saveFeatureStore } from '../../../../server/src/engine/features/feature-store';
import { MAX_TENSOR_BYTES_ENV } from '../../../../server/src/engine/io/limits';
import { npyBytes, readNpy } from '../../../../server/src/engine/io/npy';
import { readJsonFile } from '../../../../server/src/engine/io/read-json';
import { readSafetensorsHeader, writeSafetensors } from '../../../../server/src/engine/io/safetensors';
import { readCorpus } from '../../../../server/src/engine/data/corpus';
import { loadSae } from '../../../../server/src/engine/sae/io';
import { tf } from '../../../../server/src/engine/tf';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

const f32 = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 7) / 10);
const goodMembers = (): Record<string, Uint8Array> => ({
  'W_enc.npy': npyBytes(f32(24), [4, 6]),
  'W_dec.npy': npyBytes(f32(24), [6, 4]),
  'b_enc.npy': npyBytes(f32(6), [6]),
  'b_dec.npy': npyBytes(f32(4), [4]),
  'threshold.npy': npyBytes(f32(6), [6]),
});

/** Rewrites the central-directory uncompressed size of `member` (what fflate allocates from). */
function patchDeclaredSize(zip: Uint8Array, member: string, size: number): Uint8Array {
  const out = zip.slice();
  const dv = new DataView(out.buffer);
  for (let o = 0; o + 46 <= out.length; o++) {
    if (dv.getUint32(o, true) !== 0x02014b50) continue;
    const nameLen = dv.getUint16(o + 28, true);
    if (new TextDecoder().decode(out.subarray(o + 46, o + 46 + nameLen)) === member) {
      dv.setUint32(o + 24, size, true);
      return out;
    }
  }
  throw new Error(`no central directory entry for ${member}`);
}

function withCap<T>(bytes: number, fn: () => T): T {
  const old = process.env[MAX_TENSOR_BYTES_ENV];
  process.env[MAX_TENSOR_BYTES_ENV] = String(bytes);
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env[MAX_TENSOR_BYTES_ENV];
    else process.env[MAX_TENSOR_BYTES_ENV] = old;
  }
}

test('zip bomb: a 1 GiB member claimed by a tiny .npz is refused before it is inflated', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const npz = path.join(dir, 'params.npz');
    const n0 = tf.memory().numTensors;
    const rss0 = process.memoryUsage().rss;
    // A deflated member whose directory entry claims 1 GiB: DEFLATE cannot expand 100 bytes that far.
    writeFileSync(npz, patchDeclaredSize(zipSync(goodMembers(), { level: 6 }), 'W_dec.npy', 2 ** 30));
    await assert.rejects(loadSae(npz), (e: Error) => e.message.includes(`${npz}:W_dec.npy`) && /zip bomb/.test(e.message));
    // A real bomb: 64 MiB of zeros (64 KiB compressed) against a 16 MiB cap.
    const bomb = { ...goodMembers(), 'W_enc.npy': npyBytes(new Float32Array(16 * 2 ** 20), [4, 4 * 2 ** 20]) };
    writeFileSync(npz, zipSync(bomb, { level: 9 }));
    await withCap(16 * 2 ** 20, async () => {
      await assert.rejects(
        loadSae(npz),
        (e: Error) => e.message.includes(`${npz}:W_enc.npy`) && /over the limit of 16\.0 MiB/.test(e.message) && e.message.includes(MAX_TENSOR_BYTES_ENV),
      );
    });
    assert.equal(tf.memory().numTensors, n0);
    assert.ok(process.memoryUsage().rss - rss0 < 600 * 2 ** 20, 'no gigabyte allocation');
  } finally {
    cleanup();
  }
});

test('a zip member whose declared size disagrees with its .npy header is refused', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const npz = path.join(dir, 'params.npz');
    const members = goodMembers();
    const real = members['b_enc.npy'].length;
    writeFileSync(npz, patchDeclaredSize(zipSync(members, { level: 6 }), 'b_enc.npy', real + 64));
    await assert.rejects(
      loadSae(npz),
      (e: Error) => e.message.includes(`${npz}:b_enc.npy`) && /\.npy header describes \d+ bytes but the zip member holds/.test(e.message),
    );
    // Stored (np.savez's default): the uncompressed size must equal the stored size.
    writeFileSync(npz, patchDeclaredSize(zipSync(members, { level: 0 }), 'b_enc.npy', real * 2));
    await assert.rejects(loadSae(npz), (e: Error) => e.message.includes(`${npz}:b_enc.npy`) && /a stored member cannot produce/.test(e.message));
  } finally {
    cleanup();
  }
});

test('.npy and safetensors shapes are checked against the file and the cap', () => {
  const { dir, cleanup } = tempDir();
  try {
    const huge = path.join(dir, 'huge.npy');
    const hdr = npyBytes(new Float32Array(1), [1]);
    // Same header length, but the shape claims 100000 × 100000 float32 (40 GB) in a 132-byte file.
    const text = new TextDecoder().decode(hdr.subarray(10, 10 + new DataView(hdr.buffer).getUint16(8, true)));
    const liar = text.replace("'shape': (1,), ", "'shape': (100000, 100000), ").padEnd(text.length - 1, ' ') + '\n';
    const bytes = hdr.slice();
    bytes.set(new TextEncoder().encode(liar.slice(0, text.length)), 10);
    writeFileSync(huge, bytes);
    assert.throws(
      () => readNpy(huge),
      (e: Error) => e.message.startsWith(`${huge}: shape [100000, 100000]`) && /over the limit/.test(e.message),
    );
    withCap(2 ** 40, () =>
      assert.throws(
        () => readNpy(huge),
        (e: Error) => e.message.startsWith(huge) && /needs 40000000000 bytes, file has 4: truncated/.test(e.message),
      ),
    );
    const st = path.join(dir, 'w.safetensors');
    writeSafetensors(st, { W: { data: f32(4 * 2 ** 18), shape: [4, 2 ** 18] } });
    withCap(4 * 2 ** 20, () => assert.doesNotThrow(() => readSafetensorsHeader(st)));
    withCap(4 * 2 ** 20 - 1, () =>
      assert.throws(
        () => readSafetensorsHeader(st),
        (e: Error) => e.message.startsWith(`${st}: tensor W`) && /over the limit/.test(e.message),
      ),
    );
    withCap(0, () => assert.throws(() => readNpy(huge), new RegExp(`${MAX_TENSOR_BYTES_ENV}="0": must be a positive integer`)));
  } finally {
    cleanup();
  }
});

test('a 1 KB cfg.json with d_sae 5e8 is refused before any tensor is allocated', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const write = (dIn: number, dSae: number) => {
      writeFileSync(
        path.join(dir, 'cfg.json'),
        JSON.stringify({
          architecture: 'batchtopk',
          d_in: dIn,
          d_sae: dSae,
          k: 4,
          threshold: 0.5,
          dtype: 'float32',
          apply_b_dec_to_input: true,
          normalize_activations: 'none',
        }),
      );
    };
    writeSafetensors(path.join(dir, 'sae_weights.safetensors'), {
      W_enc: { data: f32(8), shape: [2, 4] },
      W_dec: { data: f32(8), shape: [4, 2] },
      b_enc: { data: f32(4), shape: [4] },
      b_dec: { data: f32(2), shape: [2] },
    });
    const n0 = tf.memory().numTensors;
    const rss0 = process.memoryUsage().rss;
    write(16, 5e8);
    await assert.rejects(
      loadSae(dir),
      (e: Error) => e.message.startsWith(path.join(dir, 'cfg.json')) && /d_in 16 × d_sae 500000000 float32 needs 29\.80 GiB, over the limit/.test(e.message),
    );
    // Under the cap (2 GB of threshold), the weights header disagrees: refused before the broadcast.
    write(2, 5e8);
    await assert.rejects(loadSae(dir), (e: Error) =>
      e.message.includes('sae_weights.safetensors: tensor W_enc has shape [2, 4] but cfg (d_in=2, d_sae=500000000) needs [2, 500000000]'),
    );
    assert.equal(tf.memory().numTensors, n0);
    assert.ok(process.memoryUsage().rss - rss0 < 500 * 2 ** 20, 'no 2 GB threshold broadcast');
  } finally {
    cleanup();
  }
});

test('a symlink to /dev/zero is refused at once by every reader, naming the path', async () => {
  const { dir, cleanup } = tempDir();
  try {
    for (const name of ['evil.npz', 'evil.npy', 'evil.json', 'evil.txt', 'evil.safetensors']) symlinkSync('/dev/zero', path.join(dir, name));
    const msg = (p: string) => (e: Error) => e.message === `${path.join(dir, p)}: is a character device, not a regular file; refusing to read it`;
    await assert.rejects(loadSae(path.join(dir, 'evil.npz')), msg('evil.npz'));
    assert.throws(() => readNpy(path.join(dir, 'evil.npy')), msg('evil.npy'));
    assert.throws(() => readJsonFile(path.join(dir, 'evil.json')), msg('evil.json'));
    assert.throws(() => readSafetensorsHeader(path.join(dir, 'evil.safetensors')), msg('evil.safetensors'));
    assert.throws(
      () => [...readCorpus(path.join(dir, 'evil.txt'))],
      (e: Error) => e.message.includes(path.join(dir, 'evil.txt')) && /character device/.test(e.message),
    );
  } finally {
    cleanup();
  }
});

async function tinyStore(dir: string, d: number): Promise<FeatureStore> {
  const acc = new FeatureStatsAccumulator({ dSae: d, nTop: 1, before: 0, after: 0 });
  const f = tf.tensor3d(f32(2 * d), [1, 2, d]);
  acc.add(f, [[5, 6]]);
  f.dispose();
  const stats = await acc.result();
  acc.dispose();
  saveFeatureStore(dir, stats, { sae: 'x', hook: 'blocks.0.hook_resid_post' });
  return FeatureStore.open(dir);
}

test('importing labels from a FIFO fails at once instead of blocking forever', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const store = await tinyStore(dir, 4);
    const fifo = path.join(dir, 'labels.fifo');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    assert.throws(
      () => store.importNeuronpedia(fifo),
      (e: Error) => e.message === `${fifo}: is a FIFO (named pipe), not a regular file; refusing to read it`,
    );
    assert.ok(Date.now() - t0 < 2000);
  } finally {
    cleanup();
  }
});

test('labels.json: non-string values and bad ids are dropped with a warning naming the file', async () => {
  const { dir, cleanup } = tempDir();
  const warn = mock.method(console, 'warn', () => {});
  try {
    await tinyStore(dir, 4);
    const file = path.join(dir, LABELS_FILE);
    writeFileSync(file, JSON.stringify({ format: 'jumplens-labels-v1', labels: { 0: 'ok', 1: 5, 2: null, x: 'a', 9: 'out of range', 3: { t: 1 } } }));
    const store = FeatureStore.open(dir);
    assert.equal(store.label(0), 'ok');
    for (const id of [1, 2, 3]) assert.equal(store.label(id), undefined);
    assert.equal(store.card(1).label, undefined);
    assert.equal(warn.mock.callCount(), 1);
    const line = String(warn.mock.calls[0].arguments[0]);
    assert.ok(line.startsWith(`${file}: dropped 5 bad label entries`), line);
    writeFileSync(file, 'null');
    assert.throws(
      () => FeatureStore.open(dir),
      (e: Error) => e.message.startsWith(`${file}: expected {"labels"`),
    );
  } finally {
    warn.mock.restore();
    cleanup();
  }
});
