// llama2.c "version 0" checkpoints: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len; negative vocab = separate classifier), then float32 tensors in a fixed
// order. The file size must equal what the header implies, which catches truncation and the
// newer versioned exports (magic "ak42") alike.
import { readRegularFile } from '../io/open-regular';
import * as path from 'node:path';
import type { LlamaLayerWeights, LlamaSpec, LlamaWeights } from './llama';
import { expectFinite, type RawTensor } from './weights';

export interface Llama2cHeader {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  sharedClassifier: boolean;
}

export function readLlama2cHeader(file: string, buf: Buffer): Llama2cHeader {
  if (buf.length < 28) throw new Error(`${file}: llama2.c checkpoint truncated: ${buf.length} bytes, the header alone is 28`);
  if (buf.toString('latin1', 0, 4) === 'ak42') {
    throw new Error(`${file}: llama2.c versioned export (magic "ak42") is not supported; export with the legacy format (version 0)`);
  }
  const h = Array.from({ length: 7 }, (_, i) => buf.readInt32LE(i * 4));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, seqLen] = h;
  const names = ['dim', 'hidden_dim', 'n_layers', 'n_heads', 'n_kv_heads', 'vocab_size', 'seq_len'];
  h.forEach((v, i) => {
    if (i !== 5 && (v <= 0 || v > 1 << 20)) throw new Error(`${file}: llama2.c header field ${names[i]} = ${v} is not plausible`);
  });
  if (vocab === 0 || Math.abs(vocab) > 1 << 22) throw new Error(`${file}: llama2.c header field vocab_size = ${vocab} is not plausible`);
  if (dim % nHeads !== 0) throw new Error(`${file}: llama2.c header: dim ${dim} is not divisible by n_heads ${nHeads}`);
  if (nHeads % nKvHeads !== 0) throw new Error(`${file}: llama2.c header: n_heads ${nHeads} is not a multiple of n_kv_heads ${nKvHeads}`);
  return { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(vocab), seqLen, sharedClassifier: vocab > 0 };
}

/** Reads, size-checks and NaN-checks a checkpoint into the Llama decoder's weights. */
export function readLlama2cCheckpoint(file: string): { header: Llama2cHeader; spec: LlamaSpec; weights: LlamaWeights } {
  const buf = readRegularFile(file, { what: 'checkpoint' });
  const h = readLlama2cHeader(file, buf);
  const { dim, hiddenDim: hid, nLayers: L, nHeads, nKvHeads, vocabSize: V, seqLen } = h;
  const hs = dim / nHeads;
  const kvDim = (dim * nKvHeads) / nHeads;
  const layout: [string, number[]][] = [
    ['token_embedding_table', [V, dim]],
    ['rms_att_weight', [L, dim]],
    ['wq', [L, dim, dim]],
    ['wk', [L, kvDim, dim]],
    ['wv', [L, kvDim, dim]],
    ['wo', [L, dim, dim]],
    ['rms_ffn_weight', [L, dim]],
    ['w1', [L, hid, dim]],
    ['w2', [L, dim, hid]],
    ['w3', [L, hid, dim]],
    ['rms_final_weight', [dim]],
    ['freq_cis_real', [seqLen, hs / 2]],
    ['freq_cis_imag', [seqLen, hs / 2]],
  ];
  if (!h.sharedClassifier) layout.push(['wcls', [V, dim]]);
  const floats = layout.reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
  const expected = 28 + 4 * floats;
  if (buf.length !== expected) {
    throw new Error(
      `${file}: llama2.c checkpoint is ${buf.length} bytes but its header (dim=${dim} hidden_dim=${hid} n_layers=${L} n_heads=${nHeads} n_kv_heads=${nKvHeads} vocab_size=${h.sharedClassifier ? V : -V} seq_len=${seqLen}) implies ${expected}` +
        (buf.length < expected ? ' (truncated)' : ' (trailing bytes or a different format)'),
    );
  }
  // Copy so the data is 4-byte aligned whatever Buffer's pool offset was.
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset + 28, buf.byteOffset + buf.length));
  const t: Record<string, RawTensor> = {};
  let off = 0;
  for (const [name, shape] of layout) {
    const n = shape.reduce((x, y) => x * y, 1);
    t[name] = { data: all.subarray(off, off + n), shape };
    off += n;
    if (!name.startsWith('freq_cis')) expectFinite(file, name, t[name].data);
  }
  const per = (name: string, l: number): RawTensor => {
    const s = t[name].shape.slice(1);
    const n = s.reduce((x, y) => x * y, 1);
    return { data: t[name].data.subarray(l * n, (l + 1) * n), shape: s };
  };
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < L; l++) {
    layers.push({
      attnNorm: per('rms_att_weight', l),
      wq: per('wq', l),
      wk: per('wk', l),
      wv: per('wv', l),
      wo: per('wo', l),
      mlpNorm: per('rms_ffn_weight', l),
      wGate: per('w1', l),
      wDown: per('w2', l),
      wUp: per('w3', l),
    });
  }
  const spec: LlamaSpec = {
    architecture: 'llama2c',
    name: path.basename(file).replace(/\.bin$/, ''),
    dModel: dim,
    nLayers: L,
    nHeads,
    nKvHeads,
    headDim: hs,
    hidden: hid,
    vocabSize: V,
    maxSeqLen: seqLen,
    normEps: 1e-5,
    ropeTheta: 10000,
    ropeStyle: 'interleaved',
  };
  const weights: LlamaWeights = {
    embed: t.token_embedding_table,
    layers,
    finalNorm: t.rms_final_weight,
    lmHead: h.sharedClassifier ? undefined : t.wcls,
  };
  return { header: h, spec, weights };
}
