import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { zipSync } from 'fflate';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadSae, saveSae } from '../../../../server/src/engine/sae/io';
import { readSafetensorsHeader, writeSafetensors } from '../../../../server/src/engine/io/safetensors';
import { npyBytes } from '../../../../server/src/engine/io/npy';
import type { SaeArchitecture } from '../../../../server/src/engine/sae/types';
import { randomSae } from '../../../helpers/sae-fixtures';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('every architecture round-trips through a SAELens folder in float32, float16 and bfloat16', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const x = tf.randomNormal([8, 16], 0, 1, 'float32', 4) as Tensor2D;
    for (const arch of ['jumprelu', 'standard', 'topk', 'batchtopk', 'gated'] as SaeArchitecture[]) {
      const sae = randomSae(arch, 16, 48, 2);
      const want = sae.forward(x).dataSync();
      for (const dtype of ['float32', 'float16', 'bfloat16'] as const) {
        const out = path.join(dir, `${arch}-${dtype}`);
        await saveSae(out, sae, { dtype });
        const h = readSafetensorsHeader(path.join(out, 'sae_weights.safetensors'));
        // Exactly SAELens's tensor names, shapes and dtypes.
        const names = [...h.entries.keys()].sort();
        const expected =
          arch === 'gated'
            ? ['W_dec', 'W_enc', 'b_dec', 'b_gate', 'b_mag', 'r_mag']
            : arch === 'jumprelu' || arch === 'batchtopk'
              ? ['W_dec', 'W_enc', 'b_dec', 'b_enc', 'threshold']
              : ['W_dec', 'W_enc', 'b_dec', 'b_enc'];
        assert.deepEqual(names, expected, `${arch} tensor names`);
        assert.deepEqual(h.entries.get('W_enc')!.shape, [16, 48]);
        assert.deepEqual(h.entries.get('W_dec')!.shape, [48, 16]);
        assert.equal(h.entries.get('W_enc')!.dtype, { float32: 'F32', float16: 'F16', bfloat16: 'BF16' }[dtype]);
        const cfg = JSON.parse(readFileSync(path.join(out, 'cfg.json'), 'utf8'));
        // SAELens 6 has no inference BatchTopK: it is stored as the JumpReLU it equals.
        assert.equal(cfg.architecture, arch === 'batchtopk' ? 'jumprelu' : arch);
        assert.equal(cfg.d_in, 16);
        assert.equal(cfg.d_sae, 48);
        assert.equal(cfg.dtype, dtype);
        assert.equal(cfg.metadata.hook_name, 'blocks.2.hook_resid_post');
        const back = await loadSae(out);
        assert.equal(back.architecture, arch);
        assert.equal(back.cfg.dtype, dtype);
        const got = back.forward(x).dataSync();
        const tol = dtype === 'float32' ? 0 : dtype === 'float16' ? 0.05 : 0.3;
        // Half precision can flip a feature sitting right at its threshold; compare reconstructions loosely.
        assert.ok(maxDiff(want, got) <= tol, `${arch} ${dtype}: max diff ${maxDiff(want, got)}`);
        back.dispose();
      }
      sae.dispose();
    }
  } finally {
    cleanup();
  }
});

test('loads a folder written the way SAELens 6 writes one, including a pre-6.0 cfg and log_threshold', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const W_enc = Float32Array.from({ length: 4 * 6 }, (_, i) => ((i % 5) - 2) / 4);
    const W_dec = Float32Array.from({ length: 6 * 4 }, (_, i) => ((i % 3) - 1) / 3);
    writeSafetensors(
      path.join(dir, 'sae_weights.safetensors'),
      {
        W_enc: { data: W_enc, shape: [4, 6] },
        W_dec: { data: W_dec, shape: [6, 4] },
        b_enc: { data: new Float32Array(6).fill(0.1), shape: [6] },
        b_dec: { data: new Float32Array(4), shape: [4] },
        log_threshold: { data: new Float32Array(6).fill(Math.log(0.2)), shape: [6] },
      },
      { metadata: { format: 'pt' } },
    );
    // SAELens < 6.0: hook_point, activation_fn_str, boolean normalize_activations, extra keys.
    writeFileSync(
      path.join(dir, 'cfg.json'),
      JSON.stringify({
        d_in: 4,
        d_sae: 6,
        dtype: 'float32',
        device: 'cpu',
        model_name: 'gpt2',
        hook_point: 'blocks.8.hook_resid_pre',
        hook_point_layer: 8,
        activation_fn_str: 'jumprelu',
        architecture: 'jumprelu',
        normalize_activations: false,
        apply_b_dec_to_input: true,
        context_size: 128,
        prepend_bos: true,
        finetuning_scaling_factor: false,
        sae_lens_training_version: '3.0.0',
      }),
    );
    const sae = await loadSae(dir);
    assert.equal(sae.architecture, 'jumprelu');
    assert.equal(sae.hookName, 'blocks.8.hook_resid_pre');
    assert.equal(sae.cfg.metadata.model_name, 'gpt2');
    assert.equal(sae.cfg.normalize_activations, 'none');
    assert.ok(Math.abs(sae.threshold()!.dataSync()[0] - 0.2) < 1e-6, 'log_threshold converted');
    // Keys we do not interpret survive a save.
    const out = path.join(dir, 'resaved');
    await saveSae(out, sae);
    const cfg = JSON.parse(readFileSync(path.join(out, 'cfg.json'), 'utf8'));
    // Pre-6.0 top-level metadata keys move into metadata; the format version becomes SAELens 6's.
    assert.equal(cfg.metadata.sae_lens_training_version, '3.0.0');
    assert.equal(cfg.metadata.sae_lens_version, '6.18.0');
    assert.equal(cfg.hook_point_layer, 8, 'keys JumpLens does not interpret survive');
    assert.equal(cfg.metadata.hook_name, 'blocks.8.hook_resid_pre');
    assert.ok(readSafetensorsHeader(path.join(out, 'sae_weights.safetensors')).entries.has('threshold'));
    sae.dispose();
  } finally {
    cleanup();
  }
});

test('Gemma Scope params.npz loads as a raw-input JumpReLU SAE with its hook from the path', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sae = randomSae('jumprelu', 8, 24, 6);
    const p = sae.params();
    const members: Record<string, Uint8Array> = {};
    for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold']) members[`${name}.npy`] = npyBytes(p[name].dataSync() as Float32Array, p[name].shape);
    const npzDir = path.join(dir, 'gemma-scope-2b-pt-res', 'layer_12', 'width_16k', 'average_l0_82');
    mkdirSync(npzDir, { recursive: true });
    const npz = path.join(npzDir, 'params.npz');
    writeFileSync(npz, zipSync(members));
    const gs = await loadSae(npz);
    assert.equal(gs.architecture, 'jumprelu');
    assert.equal(gs.cfg.apply_b_dec_to_input, false);
    assert.equal(gs.hookName, 'blocks.12.hook_resid_post');
    const x = tf.randomNormal([5, 8]) as Tensor2D;
    assert.deepEqual(Array.from(gs.encode(x).dataSync()), Array.from(sae.encode(x).dataSync()));
    gs.dispose();
    sae.dispose();
  } finally {
    cleanup();
  }
});

test('bad SAE files: missing tensor, wrong shape, NaN, unknown architecture, truncated weights', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sae = randomSae('jumprelu', 4, 8, 1);
    await saveSae(dir, sae);
    sae.dispose();
    const cfgFile = path.join(dir, 'cfg.json');
    const wFile = path.join(dir, 'sae_weights.safetensors');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
    const good = readFileSync(wFile);
    const n0 = tf.memory().numTensors;

    writeFileSync(cfgFile, JSON.stringify({ ...cfg, architecture: 'matryoshka' }));
    await assert.rejects(loadSae(dir), /cfg\.json: unknown SAE architecture "matryoshka"/);
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, d_sae: 9 }));
    await assert.rejects(loadSae(dir), /sae_weights\.safetensors: tensor W_enc has shape \[4, 8\] but cfg \(d_in=4, d_sae=9\) needs \[4, 9\]/);
    writeFileSync(cfgFile, JSON.stringify(cfg));
    const bad = (tensors: Record<string, { data: Float32Array; shape: number[] }>) => writeSafetensors(wFile, tensors);
    const z = (n: number) => new Float32Array(n);
    bad({ W_enc: { data: z(32), shape: [4, 8] }, W_dec: { data: z(32), shape: [8, 4] }, b_enc: { data: z(8), shape: [8] }, b_dec: { data: z(4), shape: [4] } });
    await assert.rejects(loadSae(dir), /missing tensor threshold required by a jumprelu SAE/);
    const nan = z(32);
    nan[5] = NaN;
    bad({
      W_enc: { data: z(32), shape: [4, 8] },
      W_dec: { data: nan, shape: [8, 4] },
      b_enc: { data: z(8), shape: [8] },
      b_dec: { data: z(4), shape: [4] },
      threshold: { data: z(8), shape: [8] },
    });
    await assert.rejects(loadSae(dir), (e: Error) => e.message.includes(wFile) && /tensor W_dec has 1 NaN value/.test(e.message));
    writeFileSync(wFile, good.subarray(0, good.length - 10));
    await assert.rejects(loadSae(dir), /point past the end of the data .*truncated\?/);
    await assert.rejects(loadSae(path.join(dir, 'nope')), /no such SAE file or folder/);
    writeFileSync(path.join(dir, 'x.npz'), 'not a zip');
    await assert.rejects(loadSae(path.join(dir, 'x.npz')), /x\.npz: not a readable \.npz/);
    assert.equal(tf.memory().numTensors, n0, 'failed loads free what they allocated');
  } finally {
    cleanup();
  }
});

test('bad Gemma Scope npz: truncated member, wrong shape, missing threshold, each named', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const f = (n: number) => Float32Array.from({ length: n }, (_, i) => (i % 7) / 10);
    const good: Record<string, Uint8Array> = {
      'W_enc.npy': npyBytes(f(24), [4, 6]),
      'W_dec.npy': npyBytes(f(24), [6, 4]),
      'b_enc.npy': npyBytes(f(6), [6]),
      'b_dec.npy': npyBytes(f(4), [4]),
      'threshold.npy': npyBytes(f(6), [6]),
    };
    const npz = path.join(dir, 'params.npz');
    const n0 = tf.memory().numTensors;
    // Stored (uncompressed) members, as np.savez writes them, with lower-case names as some releases use.
    const { 'W_enc.npy': wEnc, ...rest } = good;
    writeFileSync(npz, zipSync({ ...rest, 'w_enc.npy': wEnc }, { level: 0 }));
    const ok = await loadSae(npz);
    assert.deepEqual([ok.dIn, ok.dSae], [4, 6]);
    ok.dispose();
    writeFileSync(npz, zipSync({ ...good, 'W_dec.npy': good['W_dec.npy'].subarray(0, 140) }));
    await assert.rejects(loadSae(npz), (e: Error) => e.message.includes(`${npz}:W_dec.npy`) && /truncated/.test(e.message));
    writeFileSync(npz, zipSync({ ...good, 'W_dec.npy': npyBytes(f(20), [5, 4]) }));
    await assert.rejects(
      loadSae(npz),
      (e: Error) => e.message.includes(npz) && /tensor W_dec has shape \[5, 4\] but cfg \(d_in=4, d_sae=6\) needs \[6, 4\]/.test(e.message),
    );
    const { 'threshold.npy': _t, ...noThreshold } = good;
    writeFileSync(npz, zipSync(noThreshold));
    await assert.rejects(loadSae(npz), /missing tensor threshold required by a jumprelu SAE/);
    assert.equal(tf.memory().numTensors, n0, 'failed loads free what they allocated');
  } finally {
    cleanup();
  }
});
