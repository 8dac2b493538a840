import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { tf, type Tensor2D } from '../../../server/src/engine/tf';
import { initBackend } from '../../../server/src/engine/backend';
import { npyBytes, readNpy, writeNpy } from '../../../server/src/engine/io/npy';
import { saveSae } from '../../../server/src/engine/sae/io';
import { randomSae } from '../../helpers/sae-fixtures';
import { REPO_ROOT, tempDir } from '../../helpers/paths';

before(async () => {
  await initBackend();
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'jumplens'), ...args], { encoding: 'utf8' });
}

test('jumplens sae info / encode / decode / convert on real files', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sae = randomSae('jumprelu', 8, 32, 11);
    const saeDir = path.join(dir, 'sae');
    await saveSae(saeDir, sae);
    const x = tf.randomNormal([10, 8], 0, 1, 'float32', 3) as Tensor2D;
    writeNpy(path.join(dir, 'x.npy'), x.dataSync() as Float32Array, [10, 8]);

    const info = cli('sae', 'info', saeDir, '--json');
    assert.equal(info.status, 0, info.stderr);
    const j = JSON.parse(info.stdout);
    assert.equal(j.architecture, 'jumprelu');
    assert.equal(j.d_sae, 32);
    assert.equal(j.hook, 'blocks.2.hook_resid_post');
    assert.ok(j.threshold.min <= j.threshold.median && j.threshold.median <= j.threshold.max);

    const enc = cli('sae', 'encode', '--sae', saeDir, '--in', path.join(dir, 'x.npy'), '--out', path.join(dir, 'f.npy'), '--top-k', '3', '--json');
    assert.equal(enc.status, 0, enc.stderr);
    const f = readNpy(path.join(dir, 'f.npy'));
    assert.deepEqual(f.shape, [10, 32]);
    const want = sae.encode(x).dataSync();
    assert.deepEqual(Array.from(f.data), Array.from(want));
    const sparse = JSON.parse(enc.stdout) as { token: number; l0: number; features: { id: number; act: number }[] }[];
    assert.equal(sparse.length, 10);
    for (const row of sparse) {
      const dense = Array.from(want.slice(row.token * 32, (row.token + 1) * 32));
      assert.equal(row.l0, dense.filter((v) => v > 0).length);
      const best = dense
        .map((v, i) => ({ v, i }))
        .filter((e) => e.v > 0)
        .sort((a, b) => b.v - a.v)
        .slice(0, 3);
      assert.deepEqual(
        row.features.map((e) => e.id),
        best.map((e) => e.i),
      );
    }

    const dec = cli('sae', 'decode', '--sae', saeDir, '--in', path.join(dir, 'f.npy'), '--out', path.join(dir, 'xh.npy'));
    assert.equal(dec.status, 0, dec.stderr);
    const xh = readNpy(path.join(dir, 'xh.npy'));
    assert.deepEqual(xh.shape, [10, 8]);
    const fT = tf.tensor2d(want as Float32Array, [10, 32]);
    const wantXh = sae.decode(fT);
    const got = Array.from(xh.data);
    Array.from(wantXh.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-5, `decode[${i}]`));
    tf.dispose([fT, wantXh]);

    // With sparsity.safetensors beside the weights, info counts dead and dense features.
    const logS = new Float32Array(32).fill(-3);
    logS[0] = -10;
    logS[1] = -10;
    logS[2] = -0.5;
    await saveSae(saeDir, sae, { logSparsity: logS });
    const infoS = JSON.parse(cli('sae', 'info', saeDir, '--json').stdout);
    assert.equal(infoS.log10_density.dead_below_1e_8, 2);
    assert.equal(infoS.log10_density.dense_above_1e_1, 1);
    assert.equal(infoS.log10_density.median, -3);

    // Wrong width: a clear error naming the file.
    writeNpy(path.join(dir, 'bad.npy'), new Float32Array(14), [2, 7]);
    const bad = cli('sae', 'encode', '--sae', saeDir, '--in', path.join(dir, 'bad.npy'), '--out', path.join(dir, 'o.npy'));
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /bad\.npy: expected activations of shape \[n, 8\], got \[2, 7\]/);

    // Gemma Scope npz -> SAELens folder.
    const p = sae.params();
    const members: Record<string, Uint8Array> = {};
    for (const n of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold']) members[`${n}.npy`] = npyBytes(p[n].dataSync() as Float32Array, p[n].shape);
    mkdirSync(path.join(dir, 'gs'));
    writeFileSync(path.join(dir, 'gs', 'params.npz'), zipSync(members));
    const conv = cli(
      'sae',
      'convert',
      path.join(dir, 'gs', 'params.npz'),
      path.join(dir, 'converted'),
      '--hook',
      'blocks.12.hook_resid_post',
      '--dtype',
      'bfloat16',
    );
    assert.equal(conv.status, 0, conv.stderr);
    const info2 = JSON.parse(cli('sae', 'info', path.join(dir, 'converted'), '--json').stdout);
    assert.equal(info2.hook, 'blocks.12.hook_resid_post');
    assert.equal(info2.dtype, 'bfloat16');
    assert.equal(info2.apply_b_dec_to_input, false);
    sae.dispose();
  } finally {
    cleanup();
  }
});
