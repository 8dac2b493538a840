import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf, type Tensor2D } from '../../../../server/src/engine/tf';
import { initBackend } from '../../../../server/src/engine/backend';
import { parseSaeConfig } from '../../../../server/src/engine/sae/config';
import { loadSae, saveSae } from '../../../../server/src/engine/sae/io';
import { writeSafetensors, readSafetensorsHeader } from '../../../../server/src/engine/io/safetensors';
import { tempDir } from '../../../helpers/paths';

before(async () => {
  await initBackend();
});

// cfg.json as SAELens 6.x `SAEConfig.to_dict()` writes it for a TopK SAE (TopKSAEConfig fields, then
// `metadata` from SAEMetadata, then `architecture`).
const saeLens6TopK = {
  d_in: 3,
  d_sae: 4,
  dtype: 'float32',
  device: 'cpu',
  apply_b_dec_to_input: true,
  normalize_activations: 'none',
  reshape_activations: 'none',
  metadata: {
    model_name: 'gpt2',
    hook_name: 'blocks.5.hook_resid_pre',
    model_class_name: 'HookedTransformer',
    hook_head_index: null,
    model_from_pretrained_kwargs: { center_writing_weights: false },
    prepend_bos: true,
    exclude_special_tokens: false,
    neuronpedia_id: null,
    context_size: 1024,
    seqpos_slice: [null],
    dataset_path: 'apollo-research/Skylion007-openwebtext-tokenizer-gpt2',
    sae_lens_version: '6.12.1',
    sae_lens_training_version: '6.12.1',
  },
  k: 2,
  rescale_acts_by_decoder_norm: false,
  use_sparse_activations: false,
  architecture: 'topk',
};

test('a SAELens 6.x TopK folder loads, encodes by hand, and saves back with the same cfg keys and tensors', async () => {
  const { dir, cleanup } = tempDir();
  try {
    writeFileSync(path.join(dir, 'cfg.json'), JSON.stringify(saeLens6TopK));
    // W_enc = [I | 1], b_dec = [1, 0, 0] subtracted first (apply_b_dec_to_input).
    writeSafetensors(
      path.join(dir, 'sae_weights.safetensors'),
      {
        W_enc: { data: Float32Array.from([1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]), shape: [3, 4] },
        b_enc: { data: Float32Array.from([0, 0, 0, -10]), shape: [4] },
        W_dec: { data: Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]), shape: [4, 3] },
        b_dec: { data: Float32Array.from([1, 0, 0]), shape: [3] },
      },
      { metadata: { format: 'pt' } },
    );
    const sae = await loadSae(dir);
    assert.equal(sae.architecture, 'topk');
    assert.equal(sae.cfg.k, 2);
    assert.equal(sae.hookName, 'blocks.5.hook_resid_pre');
    // x = [4, 2, 3] -> x − b_dec = [3, 2, 3] -> z = [3, 2, 3, 8 − 10] -> top 2 = features 0 and 2.
    const x = tf.tensor2d([[4, 2, 3]]) as Tensor2D;
    const f = sae.encode(x);
    assert.deepEqual(Array.from(f.dataSync()), [3, 0, 3, 0]);
    const out = path.join(dir, 'out');
    await saveSae(out, sae);
    const written = JSON.parse(readFileSync(path.join(out, 'cfg.json'), 'utf8'));
    const { jumplens_version, ...writtenMeta } = written.metadata;
    assert.equal(typeof jumplens_version, 'string');
    assert.deepEqual(writtenMeta, saeLens6TopK.metadata);
    assert.deepEqual({ ...written, metadata: undefined }, { ...saeLens6TopK, metadata: undefined });
    const h = readSafetensorsHeader(path.join(out, 'sae_weights.safetensors'));
    assert.deepEqual([...h.entries.keys()].sort(), ['W_dec', 'W_enc', 'b_dec', 'b_enc']);
    assert.deepEqual(h.entries.get('W_enc')!.shape, [3, 4]);
    assert.equal(h.entries.get('W_enc')!.dtype, 'F32');
    tf.dispose([x, f]);
    sae.dispose();
  } finally {
    cleanup();
  }
});

test('older cfg spellings: activation_fn_kwargs.k (pre-6.0 TopK) and a top-level `meta` object', () => {
  const pre6 = parseSaeConfig(
    { d_in: 8, d_sae: 32, activation_fn_str: 'topk', activation_fn_kwargs: { k: 5 }, hook_point: 'blocks.1.hook_resid_post' },
    'old/cfg.json',
  );
  assert.equal(pre6.architecture, 'topk');
  assert.equal(pre6.k, 5);
  assert.equal(pre6.metadata.hook_name, 'blocks.1.hook_resid_post');
  assert.equal(pre6.apply_b_dec_to_input, true);
  const meta = parseSaeConfig({ d_in: 8, d_sae: 32, architecture: 'jumprelu', meta: { hook_name: 'blocks.2.hook_mlp_out' } }, 'dev/cfg.json');
  assert.equal(meta.metadata.hook_name, 'blocks.2.hook_mlp_out');
  assert.equal('meta' in meta, false);
  assert.equal(parseSaeConfig({ d_in: 8, d_sae: 32, normalize_activations: true }, 'c.json').normalize_activations, 'expected_average_only_in');
});

test('bad cfg.json values raise errors naming the file and the field', () => {
  assert.throws(() => parseSaeConfig({ d_in: 8, d_sae: 32, architecture: 'crosscoder' }, 'x/cfg.json'), /x\/cfg\.json: unknown SAE architecture "crosscoder"/);
  assert.throws(() => parseSaeConfig({ d_in: 0, d_sae: 32 }, 'x/cfg.json'), /x\/cfg\.json: d_in must be a positive integer, got 0/);
  assert.throws(() => parseSaeConfig({ d_in: 8, d_sae: 32, architecture: 'topk' }, 'x/cfg.json'), /x\/cfg\.json: topk SAE needs k/);
  assert.throws(() => parseSaeConfig({ d_in: 8, d_sae: 32, normalize_activations: 'whiten' }, 'x/cfg.json'), /unknown normalize_activations "whiten"/);
  assert.throws(() => parseSaeConfig([1, 2], 'x/cfg.json'), /x\/cfg\.json: cfg must be a JSON object/);
});
