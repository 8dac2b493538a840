// Test fixtures for the LM runtime: Hugging Face folders written to temp dirs. The llama2.c ->
// HF Llama conversion permutes W_q/W_k rows per head from interleaved pairs (2i, 2i+1) to halves
// (i, i + hd/2), as Meta->HF conversion does; tiny random Gemma 2 / GPT-2 checkpoints exercise the
// other architectures.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeSafetensors } from '../../server/src/engine/io/safetensors';
import { readLlama2cCheckpoint } from '../../server/src/engine/lm/llama2c-checkpoint';
import { gpt2BytesToUnicode } from '../../server/src/engine/lm/hf-tokenizer';

/** rows [heads*hd, in] in llama2.c order -> HF rotate_half order. */
export function permuteForHf(data: Float32Array, heads: number, hd: number, inDim: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < hd / 2; i++) {
      for (let r = 0; r < 2; r++) {
        const src = (h * hd + 2 * i + r) * inDim;
        const dst = (h * hd + r * (hd / 2) + i) * inDim;
        out.set(data.subarray(src, src + inDim), dst);
      }
    }
  }
  return out;
}

/** tokenizer.json (SentencePiece-style BPE with byte fallback) equivalent to a llama2.c tokenizer.bin. */
export function tokenizerJsonFromTokBin(tokBin: string): Record<string, unknown> {
  const buf = readFileSync(tokBin);
  const pieces: string[] = [];
  const scores: number[] = [];
  let off = 4;
  while (off < buf.length) {
    const score = buf.readFloatLE(off);
    const len = buf.readInt32LE(off + 4);
    off += 8;
    pieces.push(buf.toString('utf8', off, off + len));
    scores.push(score);
    off += len;
  }
  pieces[0] = '<unk>';
  pieces[1] = '<s>';
  pieces[2] = '</s>';
  const sp = pieces.map((p, i) => (i < 259 ? p : p.replace(/ /g, '\u2581')));
  const vocab: Record<string, number> = {};
  sp.forEach((p, i) => {
    if (!(p in vocab)) vocab[p] = i;
  });
  const merges: { a: string; b: string; score: number; id: number }[] = [];
  for (let id = 259; id < sp.length; id++) {
    const p = sp[id];
    const chars = Array.from(p);
    for (let k = 1; k < chars.length; k++) {
      const a = chars.slice(0, k).join('');
      const b = chars.slice(k).join('');
      if (a in vocab && b in vocab && vocab[a] >= 259 === vocab[a] >= 259) merges.push({ a, b, score: scores[id], id });
    }
  }
  merges.sort((x, y) => y.score - x.score || x.id - y.id);
  return {
    version: '1.0',
    added_tokens: [0, 1, 2].map((id) => ({ id, content: sp[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '\u2581' },
        { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges: merges.map((m) => `${m.a} ${m.b}`),
    },
  };
}

/** Writes an HF Llama folder equivalent to a llama2.c checkpoint + tokenizer.bin. */
export function writeHfLlamaFromLlama2c(bin: string, tokBin: string, dir: string): void {
  const { header: h, spec, weights } = readLlama2cCheckpoint(bin);
  const hd = spec.headDim;
  const t: Record<string, { data: Float32Array; shape: number[] }> = {
    'model.embed_tokens.weight': weights.embed,
    'model.norm.weight': weights.finalNorm,
  };
  weights.layers.forEach((l, i) => {
    const p = `model.layers.${i}.`;
    t[p + 'input_layernorm.weight'] = l.attnNorm;
    t[p + 'post_attention_layernorm.weight'] = l.mlpNorm;
    t[p + 'self_attn.q_proj.weight'] = { data: permuteForHf(l.wq.data, h.nHeads, hd, h.dim), shape: l.wq.shape };
    t[p + 'self_attn.k_proj.weight'] = { data: permuteForHf(l.wk.data, h.nKvHeads, hd, h.dim), shape: l.wk.shape };
    t[p + 'self_attn.v_proj.weight'] = l.wv;
    t[p + 'self_attn.o_proj.weight'] = l.wo;
    t[p + 'mlp.gate_proj.weight'] = l.wGate;
    t[p + 'mlp.up_proj.weight'] = l.wUp;
    t[p + 'mlp.down_proj.weight'] = l.wDown;
  });
  // Copies: the reader's views share one buffer, the writer wants plain arrays.
  for (const k of Object.keys(t)) t[k] = { data: Float32Array.from(t[k].data), shape: t[k].shape };
  writeSafetensors(path.join(dir, 'model.safetensors'), t);
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      hidden_size: h.dim,
      intermediate_size: h.hiddenDim,
      num_hidden_layers: h.nLayers,
      num_attention_heads: h.nHeads,
      num_key_value_heads: h.nKvHeads,
      vocab_size: h.vocabSize,
      max_position_embeddings: h.seqLen,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      hidden_act: 'silu',
      tie_word_embeddings: h.sharedClassifier,
    }),
  );
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJsonFromTokBin(tokBin)));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: '</s>' }));
}

/** Deterministic pseudo-random normal-ish values (sum of uniforms), scaled. */
export function randn(n: number, scale: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (u() + u() + u() + u() - 2) * scale * 1.7;
  return out;
}

/** A tiny byte-level BPE tokenizer.json (GPT-2 style): 256 byte symbols plus a few merges. */
export function byteLevelTokenizerJson(): Record<string, unknown> {
  // The library applies its own byte table when encoding; a vocab built from a wrong table here
  // would not match it, so sharing the runtime's table still tests it.
  const ch = gpt2BytesToUnicode();
  const vocab: Record<string, number> = {};
  for (let b = 0; b < 256; b++) vocab[ch.get(b)!] = b;
  const G = ch.get(0x20)!;
  const merges = [`${G} t`, `h e`, `${G}t he`, `${G} a`];
  const extra = [`${G}t`, 'he', `${G}the`, `${G}a`];
  extra.forEach((e, i) => (vocab[e] = 256 + i));
  vocab['<|endoftext|>'] = 260;
  return {
    version: '1.0',
    added_tokens: [{ id: 260, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}

export interface Gemma2FixtureOptions {
  slidingWindow?: number;
  finalSoftcap?: number | null;
  attnSoftcap?: number | null;
  omit?: string;
  badShape?: string;
  modelType?: string;
}

/** A 2-layer random Gemma 2 (d=16, 2 query heads, 1 KV head, head_dim 8) with the tok512 vocabulary. */
export function writeTinyGemma2(dir: string, tokBin: string, o: Gemma2FixtureOptions = {}): void {
  const d = 16;
  const hd = 8;
  const V = 512;
  const hidden = 32;
  let seed = 7;
  const t: Record<string, { data: Float32Array; shape: number[] }> = {};
  const add = (name: string, shape: number[], scale: number) => {
    const n = shape.reduce((a, b) => a * b, 1);
    t[name] = { data: randn(n, scale, seed++), shape: o.badShape === name ? [...shape.slice(0, -1), shape[shape.length - 1] + 1] : shape };
    if (o.badShape === name)
      t[name].data = randn(
        t[name].shape.reduce((a, b) => a * b, 1),
        scale,
        seed++,
      );
  };
  add('model.embed_tokens.weight', [V, d], 1);
  add('model.norm.weight', [d], 0.3);
  for (let l = 0; l < 2; l++) {
    const p = `model.layers.${l}.`;
    for (const n of ['input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm', 'post_feedforward_layernorm'])
      add(p + n + '.weight', [d], 0.3);
    add(p + 'self_attn.q_proj.weight', [2 * hd, d], 0.5);
    add(p + 'self_attn.k_proj.weight', [hd, d], 0.5);
    add(p + 'self_attn.v_proj.weight', [hd, d], 0.5);
    add(p + 'self_attn.o_proj.weight', [d, 2 * hd], 0.3);
    add(p + 'mlp.gate_proj.weight', [hidden, d], 0.3);
    add(p + 'mlp.up_proj.weight', [hidden, d], 0.3);
    add(p + 'mlp.down_proj.weight', [d, hidden], 0.3);
  }
  if (o.omit) delete t[o.omit];
  writeSafetensors(path.join(dir, 'model.safetensors'), t);
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: o.modelType ?? 'gemma2',
      hidden_size: d,
      intermediate_size: hidden,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: hd,
      vocab_size: V,
      max_position_embeddings: 64,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      query_pre_attn_scalar: hd,
      attn_logit_softcapping: o.attnSoftcap === undefined ? 50 : o.attnSoftcap,
      final_logit_softcapping: o.finalSoftcap === undefined ? 5 : o.finalSoftcap,
      sliding_window: o.slidingWindow ?? 4,
      hidden_activation: 'gelu_pytorch_tanh',
      tie_word_embeddings: true,
    }),
  );
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJsonFromTokBin(tokBin)));
}

/** A 2-layer random GPT-2 (d=16, 4 heads) with a tiny byte-level BPE vocabulary of 261. */
export function writeTinyGpt2(dir: string, o: { lmHead?: boolean; prefix?: string } = {}): void {
  const d = 16;
  const V = 261;
  let seed = 99;
  const pre = o.prefix ?? '';
  const t: Record<string, { data: Float32Array; shape: number[] }> = {};
  const add = (name: string, shape: number[], scale: number) => {
    t[pre + name] = {
      data: randn(
        shape.reduce((a, b) => a * b, 1),
        scale,
        seed++,
      ),
      shape,
    };
  };
  add('wte.weight', [V, d], 0.5);
  add('wpe.weight', [32, d], 0.2);
  add('ln_f.weight', [d], 1);
  add('ln_f.bias', [d], 0.1);
  for (let l = 0; l < 2; l++) {
    const p = `h.${l}.`;
    add(p + 'ln_1.weight', [d], 1);
    add(p + 'ln_1.bias', [d], 0.1);
    add(p + 'attn.c_attn.weight', [d, 3 * d], 0.4);
    add(p + 'attn.c_attn.bias', [3 * d], 0.1);
    add(p + 'attn.c_proj.weight', [d, d], 0.3);
    add(p + 'attn.c_proj.bias', [d], 0.1);
    add(p + 'ln_2.weight', [d], 1);
    add(p + 'ln_2.bias', [d], 0.1);
    add(p + 'mlp.c_fc.weight', [d, 4 * d], 0.3);
    add(p + 'mlp.c_fc.bias', [4 * d], 0.1);
    add(p + 'mlp.c_proj.weight', [4 * d, d], 0.3);
    add(p + 'mlp.c_proj.bias', [d], 0.1);
  }
  if (o.lmHead) t['lm_head.weight'] = { data: randn(V * d, 0.5, 12345), shape: [V, d] };
  writeSafetensors(path.join(dir, 'model.safetensors'), t);
  writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({
      model_type: 'gpt2',
      n_embd: d,
      n_layer: 2,
      n_head: 4,
      n_positions: 32,
      vocab_size: V,
      layer_norm_epsilon: 1e-5,
      activation_function: 'gelu_new',
    }),
  );
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(byteLevelTokenizerJson()));
}
