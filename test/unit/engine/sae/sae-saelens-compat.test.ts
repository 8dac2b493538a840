// Files as SAELens 6 and SAELens 4 write them, built here byte for byte the way the upstream
// function named above each fixture does, loaded, and encoded against a plain-JS reference
// (Gemma Scope's npz: gemma-scope-compat.test.ts).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadSae, saveSae } from '../../../../server/src/engine/sae/io';
import { writeSafetensors } from '../../../../server/src/engine/io/safetensors';
import type { SaeArchitecture } from '../../../../server/src/engine/sae/types';
import { randomSae } from '../../../helpers/sae-fixtures';
import { tempDir } from '../../../helpers/paths';
import { assertClose, encodeHost, fill, refJumpRelu, refPre, refTopK, rng } from '../../../helpers/sae-reference';

before(async () => {
  await initBackend();
});

type Tensors = Parameters<typeof writeSafetensors>[1];
/** The two files SAELens's SAE.save_model writes: sae_weights.safetensors (torch's "pt" metadata) and cfg.json. */
function saveModel(dir: string, tensors: Tensors, cfg: object): void {
  writeSafetensors(path.join(dir, 'sae_weights.safetensors'), tensors, { metadata: { format: 'pt' } });
  writeFileSync(path.join(dir, 'cfg.json'), JSON.stringify(cfg));
}

test('SAELens 6 JumpReLU folder (SAE.save_model → JumpReLUSAEConfig.to_dict) loads with its metadata and encodes like the reference', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [dIn, dSae, n] = [6, 20, 5];
    const r = rng(1);
    const W = fill(dIn * dSae, r),
      bEnc = fill(dSae, r, 0.2),
      bDec = fill(dIn, r, 0.3),
      th = Float32Array.from(fill(dSae, r), (v) => Math.abs(v) * 0.5);
    saveModel(
      dir,
      {
        W_enc: { data: W, shape: [dIn, dSae] },
        W_dec: { data: fill(dSae * dIn, r), shape: [dSae, dIn] },
        b_enc: { data: bEnc, shape: [dSae] },
        b_dec: { data: bDec, shape: [dIn] },
        threshold: { data: th, shape: [dSae] },
      },
      {
        d_in: dIn,
        d_sae: dSae,
        dtype: 'float32',
        device: 'cpu',
        apply_b_dec_to_input: true,
        normalize_activations: 'none',
        reshape_activations: 'none',
        metadata: {
          sae_lens_version: '6.18.0',
          sae_lens_training_version: '6.18.0',
          model_name: 'gpt2',
          hook_name: 'blocks.3.hook_resid_post',
          hook_head_index: null,
          model_class_name: 'HookedTransformer',
          context_size: 128,
          prepend_bos: true,
          dataset_path: 'monology/pile-uncopyrighted',
        },
        architecture: 'jumprelu',
      },
    );
    const sae = await loadSae(dir);
    assert.equal(sae.hookName, 'blocks.3.hook_resid_post');
    assert.equal(sae.cfg.metadata.model_name, 'gpt2');
    const x = fill(n * dIn, r, 2);
    assertClose(
      encodeHost(sae, x, n),
      refJumpRelu(refPre(x, n, dIn, dSae, W, bEnc, bDec, true), (j) => th[j], dSae),
      1e-5,
      'jumprelu f',
    );
    sae.dispose();
  } finally {
    cleanup();
  }
});

test('SAELens 4.x TopK (SAE.save_model of SAEConfig with activation_fn_str "topk") loads as TopK: exactly k per row, ties by index', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [dIn, dSae, n, k] = [6, 40, 7, 8];
    const r = rng(2);
    const W = fill(dIn * dSae, r);
    // Columns 10..15 copy column 3, so those latents tie exactly; whether they make the cut depends on index.
    for (let j = 10; j < 16; j++) for (let i = 0; i < dIn; i++) W[i * dSae + j] = W[i * dSae + 3];
    const bEnc = new Float32Array(dSae).fill(0.05),
      bDec = fill(dIn, r, 0.1);
    saveModel(
      dir,
      {
        W_enc: { data: W, shape: [dIn, dSae] },
        W_dec: { data: fill(dSae * dIn, r), shape: [dSae, dIn] },
        b_enc: { data: bEnc, shape: [dSae] },
        b_dec: { data: bDec, shape: [dIn] },
      },
      {
        architecture: 'standard',
        d_in: dIn,
        d_sae: dSae,
        activation_fn_str: 'topk',
        apply_b_dec_to_input: true,
        finetuning_scaling_factor: false,
        context_size: 1024,
        model_name: 'gpt2-small',
        hook_name: 'blocks.8.hook_resid_pre',
        hook_layer: 8,
        hook_head_index: null,
        prepend_bos: true,
        dataset_path: 'Skylion007/openwebtext',
        dataset_trust_remote_code: true,
        normalize_activations: 'none',
        dtype: 'torch.float32',
        device: 'cpu',
        sae_lens_training_version: '4.3.0',
        activation_fn_kwargs: { k },
        neuronpedia_id: null,
        model_from_pretrained_kwargs: {},
        seqpos_slice: [null],
      },
    );
    // SAELens 4.3's SAEConfig.to_dict(): no metadata object, no architecture "topk".
    const sae = await loadSae(dir);
    assert.equal(sae.architecture, 'topk');
    assert.equal(sae.cfg.k, k);
    assert.equal(sae.hookName, 'blocks.8.hook_resid_pre');
    // Rows whose x makes latent 3 among the top k exercise the tie rule.
    const x = fill(n * dIn, r, 3);
    const f = encodeHost(sae, x, n);
    const want = refTopK(refPre(x, n, dIn, dSae, W, bEnc, bDec, true), n, dSae, k);
    assertClose(f, want, 1e-5, 'topk f');
    for (let row = 0; row < n; row++) {
      const nz = f.subarray(row * dSae, (row + 1) * dSae).filter((v) => v > 0).length;
      assert.ok(nz <= k, `row ${row}: L0 ${nz} > k`);
    }
    // The plain tie case: a row of equal values keeps exactly k, the first k.
    const { exactTopKMask } = await import('../../../../server/src/engine/sae/topk');
    const m = exactTopKMask(tf.tensor2d([[1, 1, 1, 1, 1, 0.5]]) as Tensor2D, 3);
    assert.deepEqual(Array.from(m.dataSync()), [1, 1, 1, 0, 0, 0]);
    m.dispose();
    sae.dispose();
  } finally {
    cleanup();
  }
});

test('a pre-6.0 activation JumpLens cannot compute is a clear error, not a silent ReLU', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const sae = randomSae('standard', 4, 8, 1);
    await saveSae(dir, sae);
    sae.dispose();
    const cfgFile = path.join(dir, 'cfg.json');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, activation_fn_str: 'tanh-relu' }));
    await assert.rejects(loadSae(dir), /cfg\.json: activation_fn_str "tanh-relu" is not supported/);
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, activation_fn_str: 'topk', activation_fn_kwargs: {} }));
    await assert.rejects(loadSae(dir), /cfg\.json: topk SAE needs k/);
    writeFileSync(cfgFile, JSON.stringify({ ...cfg, dtype: 'int8' }));
    await assert.rejects(loadSae(dir), /cfg\.json: dtype "int8" is not supported/);
    // A learned fine-tuning scale in the weights (SAELens < 6 Gated/standard fine-tunes) is refused.
    writeFileSync(cfgFile, JSON.stringify(cfg));
    const wFile = path.join(dir, 'sae_weights.safetensors');
    const h = (await import('../../../../server/src/engine/io/safetensors')).readSafetensorsHeader(wFile);
    const { readTensorF32 } = await import('../../../../server/src/engine/io/safetensors');
    const tensors: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const name of h.entries.keys()) tensors[name] = readTensorF32(h, name);
    writeSafetensors(wFile, { ...tensors, scaling_factor: { data: new Float32Array(8).fill(1.5), shape: [8] } });
    await assert.rejects(loadSae(dir), /tensor scaling_factor is not all ones/);
    writeSafetensors(wFile, { ...tensors, scaling_factor: { data: new Float32Array(8).fill(1), shape: [8] } });
    (await loadSae(dir)).dispose();
  } finally {
    cleanup();
  }
});

test('SAELens 6 BatchTopK training checkpoint (BatchTopKTrainingSAE.save_model: scalar F64 topk_threshold, rescaled by decoder norm) loads', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const [dIn, dSae, n] = [5, 16, 6];
    const r = rng(3);
    const W = fill(dIn * dSae, r),
      Wd = fill(dSae * dIn, r),
      bEnc = fill(dSae, r, 0.1),
      bDec = fill(dIn, r, 0.1);
    const theta = 0.3;
    saveModel(
      dir,
      {
        W_enc: { data: W, shape: [dIn, dSae] },
        W_dec: { data: Wd, shape: [dSae, dIn] },
        b_enc: { data: bEnc, shape: [dSae] },
        b_dec: { data: bDec, shape: [dIn] },
      },
      {
        d_in: dIn,
        d_sae: dSae,
        dtype: 'float32',
        device: 'cpu',
        apply_b_dec_to_input: true,
        normalize_activations: 'none',
        reshape_activations: 'none',
        metadata: { sae_lens_version: '6.18.0', sae_lens_training_version: '6.18.0', hook_name: 'blocks.1.hook_resid_post', model_name: 'tiny' },
        decoder_init_norm: 0.1,
        k: 4.0,
        use_sparse_activations: false,
        aux_loss_coefficient: 1.0,
        rescale_acts_by_decoder_norm: true,
        topk_threshold_lr: 0.01,
        architecture: 'batchtopk',
      },
    );
    // The 0-d double buffer torch registers for topk_threshold, appended by hand (the writer only writes f32/f16/bf16).
    appendF64Scalar(path.join(dir, 'sae_weights.safetensors'), 'topk_threshold', theta);
    const sae = await loadSae(dir);
    assert.equal(sae.architecture, 'batchtopk');
    const x = fill(n * dIn, r, 2);
    // Reference: JumpReLU on z·‖d_j‖ with the one threshold (SAELens's training encode + BatchTopK inference).
    const norms = Array.from({ length: dSae }, (_, j) => Math.hypot(...Wd.subarray(j * dIn, (j + 1) * dIn)));
    const z = refPre(x, n, dIn, dSae, W, bEnc, bDec, true).map((v, i) => v * norms[i % dSae]);
    const want = refJumpRelu(z, () => theta, dSae);
    assertClose(encodeHost(sae, x, n), want, 1e-4, 'batchtopk f');
    assert.ok(want.some((v) => v > 0) && want.some((v) => v === 0), 'fixture has both firing and silent latents');
    sae.dispose();
  } finally {
    cleanup();
  }
});

/** Rewrites a safetensors file with one more tensor: a 0-d F64 scalar. */
function appendF64Scalar(file: string, name: string, value: number): void {
  const buf = readFileSync(file);
  const hlen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + hlen).toString('utf8'));
  const data = buf.subarray(8 + hlen);
  header[name] = { dtype: 'F64', shape: [], data_offsets: [data.length, data.length + 8] };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = Buffer.alloc((8 - (h.length % 8)) % 8, 0x20);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length + pad.length));
  const v = Buffer.alloc(8);
  v.writeDoubleLE(value);
  writeFileSync(file, Buffer.concat([len, h, pad, data, v]));
}

test('every cfg field SAELens 6 SAE.load_from_disk reads is written, for every architecture', async () => {
  const { dir, cleanup } = tempDir();
  // What load_from_disk → handle_config_defaulting → SAEConfig.from_dict → SAE.__init__ read.
  const registered = ['standard', 'gated', 'topk', 'jumprelu'];
  const DTYPES = ['float32', 'float16', 'bfloat16', 'float64'];
  try {
    for (const arch of ['jumprelu', 'standard', 'topk', 'batchtopk', 'gated'] as SaeArchitecture[]) {
      const sae = randomSae(arch, 8, 16, 3);
      const out = path.join(dir, arch);
      await saveSae(out, sae);
      sae.dispose();
      const cfg = JSON.parse(readFileSync(path.join(out, 'cfg.json'), 'utf8'));
      const md = cfg.metadata;
      // Without a version ≥ 6.0.0-rc.0 here SAELens takes handle_pre_6_0_config and drops hook_name/model_name.
      assert.match(md.sae_lens_version, /^6\.\d+\.\d+/, `${arch}: metadata.sae_lens_version`);
      assert.equal(typeof md.sae_lens_training_version, 'string', `${arch}: metadata.sae_lens_training_version`);
      assert.ok(registered.includes(cfg.architecture), `${arch}: architecture ${cfg.architecture} is one SAELens 6 registers for inference`);
      assert.ok(Number.isInteger(cfg.d_in) && Number.isInteger(cfg.d_sae), `${arch}: d_in, d_sae`);
      assert.ok(DTYPES.includes(cfg.dtype), `${arch}: dtype in DTYPE_MAP`);
      assert.equal(cfg.device, 'cpu');
      assert.equal(typeof cfg.apply_b_dec_to_input, 'boolean');
      assert.ok(['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'].includes(cfg.normalize_activations));
      assert.ok(['none', 'hook_z'].includes(cfg.reshape_activations));
      assert.equal(md.hook_name, 'blocks.2.hook_resid_post', `${arch}: metadata.hook_name (HookedSAETransformer.add_sae)`);
      for (const key of ['model_name', 'model_class_name', 'hook_head_index', 'context_size']) assert.ok(key in md, `${arch}: metadata.${key}`);
      if (cfg.architecture === 'topk') {
        assert.ok(Number.isInteger(cfg.k) && cfg.k > 0, 'topk: integer k');
        assert.equal(typeof cfg.rescale_acts_by_decoder_norm, 'boolean');
      }
      // SAEConfig.to_dict order: base fields, metadata, subclass fields, architecture last.
      const keys = Object.keys(cfg);
      assert.deepEqual(keys.slice(0, 8), [
        'd_in',
        'd_sae',
        'dtype',
        'device',
        'apply_b_dec_to_input',
        'normalize_activations',
        'reshape_activations',
        'metadata',
      ]);
      assert.equal(keys.at(-1), 'architecture');
      const back = await loadSae(out);
      assert.equal(back.architecture, arch, `${arch}: JumpLens reads its own file back as ${arch}`);
      back.dispose();
    }
  } finally {
    cleanup();
  }
});

test('train --activations X.npy --hook H --model M keeps the hook and model in the SAE metadata', async () => {
  const { activationsFileMetadata } = await import('../../../../server/src/engine/train/pipeline');
  const md = activationsFileMetadata({
    activations: 'acts/x.npy',
    hook: 'blocks.2.hook_resid_post',
    model: 'models/stories260K.bin',
    contextSize: 64,
  } as never);
  assert.equal(md.hook_name, 'blocks.2.hook_resid_post');
  assert.equal(md.model_name, 'stories260K');
  assert.equal(md.context_size, 64);
  assert.equal(md.dataset_path, path.resolve('acts/x.npy'));
});

test('the shipped default SAE loads in SAELens 6 with its hook: metadata.sae_lens_version ≥ 6', () => {
  const cfg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', '..', '..', 'assets', 'default-sae', 'cfg.json'), 'utf8'));
  assert.match(cfg.metadata.sae_lens_version, /^6\./);
  assert.equal(cfg.metadata.hook_name, 'blocks.2.hook_resid_post');
  assert.equal(cfg.metadata.model_name, 'stories260K');
  assert.equal(cfg.device, 'cpu');
  assert.equal(cfg.reshape_activations, 'none');
});
