// GPT-2, after HF transformers' modeling_gpt2: learned positions, pre-LayerNorm blocks, fused
// c_attn (Conv1D weights are already [in, out]), gelu-tanh MLP, tied unembedding. TransformerLens
// placement: hook_embed is the token embedding alone; hook_resid_pre of block 0 adds positions;
// hook_attn_out is after c_proj.
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor3D } from '../tf';
import { attention, splitHeads } from './attention';
import { cfgInt, cfgNum, type HfWeights } from './hf-weights';
import { embedLookup, geluTanh, layerNorm, linear } from './ops';
import { TransformerModel, withCache, type AttnContext } from './transformer';
import type { LmConfig, Tokenizer } from './types';
import { expectShape } from './weights';

export interface Gpt2Spec {
  name: string;
  dModel: number;
  nLayers: number;
  nHeads: number;
  hidden: number;
  vocabSize: number;
  maxSeqLen: number;
  eps: number;
}

interface Layer {
  ln1g: Tensor1D;
  ln1b: Tensor1D;
  /** c_attn split into q, k, v columns at load (splitting activations is slow on WASM). */
  wq: Tensor2D;
  wk: Tensor2D;
  wv: Tensor2D;
  bq: Tensor1D;
  bk: Tensor1D;
  bv: Tensor1D;
  wo: Tensor2D;
  bo: Tensor1D;
  ln2g: Tensor1D;
  ln2b: Tensor1D;
  wfc: Tensor2D;
  bfc: Tensor1D;
  wproj: Tensor2D;
  bproj: Tensor1D;
}

export function gpt2Spec(cfg: Record<string, unknown>, file: string, name: string): Gpt2Spec {
  const d = cfgInt(cfg, file, 'n_embd', 'hidden_size');
  const act = cfg.activation_function ?? 'gelu_new';
  if (act !== 'gelu_new' && act !== 'gelu_pytorch_tanh') throw new Error(`${file}: activation_function "${String(act)}" is not supported (gelu_new)`);
  return {
    name,
    dModel: d,
    nLayers: cfgInt(cfg, file, 'n_layer', 'num_hidden_layers'),
    nHeads: cfgInt(cfg, file, 'n_head', 'num_attention_heads'),
    hidden: cfg.n_inner ? cfgInt(cfg, file, 'n_inner') : 4 * d,
    vocabSize: cfgInt(cfg, file, 'vocab_size'),
    maxSeqLen: cfgInt(cfg, file, 'n_positions', 'max_position_embeddings'),
    eps: cfgNum(cfg, file, 'layer_norm_epsilon', 1e-5),
  };
}

function splitQkv(w: Float32Array, b: Float32Array, d: number, keep: <T extends Tensor>(t: T) => T) {
  const part = (j: number) => {
    const out = new Float32Array(d * d);
    for (let r = 0; r < d; r++) out.set(w.subarray(r * 3 * d + j * d, r * 3 * d + (j + 1) * d), r * d);
    return keep(tf.tensor2d(out, [d, d]));
  };
  const bias = (j: number) => keep(tf.tensor1d(b.slice(j * d, (j + 1) * d)));
  return { wq: part(0), wk: part(1), wv: part(2), bq: bias(0), bk: bias(1), bv: bias(2) };
}

export class Gpt2Model extends TransformerModel {
  readonly config: LmConfig;
  private readonly wte: Tensor2D;
  private readonly wpe: Tensor2D;
  private readonly lmHead: Tensor2D | undefined;
  private readonly lnfG: Tensor1D;
  private readonly lnfB: Tensor1D;
  private readonly layers: Layer[] = [];

  constructor(
    readonly spec: Gpt2Spec,
    w: HfWeights,
    readonly tokenizer: Tokenizer,
  ) {
    super();
    const { dModel: d, nHeads: h, hidden, vocabSize: V, maxSeqLen: P } = spec;
    this.config = { architecture: 'gpt2', name: spec.name, dModel: d, nLayers: spec.nLayers, nHeads: h, nKvHeads: h, vocabSize: V, maxSeqLen: P };
    const src = w.dir;
    // Checkpoints saved from GPT2LMHeadModel carry a "transformer." prefix; the Hub's gpt2 does not.
    const get = (n: string, shape: number[]) => expectShape(src, n, w.get(n, `transformer.${n}`), shape);
    const t1 = (n: string, k: number) => tf.tensor1d(get(n, [k]).data);
    const t2 = (n: string, a: number, b: number) => tf.tensor2d(get(n, [a, b]).data, [a, b]);
    const made: Tensor[] = [];
    const keep = <T extends Tensor>(t: T): T => (made.push(t), t);
    try {
      this.wte = keep(t2('wte.weight', V, d));
      this.wpe = keep(t2('wpe.weight', P, d));
      const head = w.getOptional('lm_head.weight');
      this.lmHead = head ? keep(tf.tensor2d(expectShape(src, 'lm_head.weight', head, [V, d]).data, [V, d])) : undefined;
      this.lnfG = keep(t1('ln_f.weight', d));
      this.lnfB = keep(t1('ln_f.bias', d));
      for (let l = 0; l < spec.nLayers; l++) {
        const p = `h.${l}.`;
        const layer: Layer = {
          ln1g: keep(t1(p + 'ln_1.weight', d)),
          ln1b: keep(t1(p + 'ln_1.bias', d)),
          ...splitQkv(get(p + 'attn.c_attn.weight', [d, 3 * d]).data, get(p + 'attn.c_attn.bias', [3 * d]).data, d, keep),
          wo: keep(t2(p + 'attn.c_proj.weight', d, d)),
          bo: keep(t1(p + 'attn.c_proj.bias', d)),
          ln2g: keep(t1(p + 'ln_2.weight', d)),
          ln2b: keep(t1(p + 'ln_2.bias', d)),
          wfc: keep(t2(p + 'mlp.c_fc.weight', d, hidden)),
          bfc: keep(t1(p + 'mlp.c_fc.bias', hidden)),
          wproj: keep(t2(p + 'mlp.c_proj.weight', hidden, d)),
          bproj: keep(t1(p + 'mlp.c_proj.bias', d)),
        };
        this.layers.push(layer);
      }
    } catch (e) {
      tf.dispose(made);
      throw e;
    }
  }

  protected params(): Tensor[] {
    return [this.wte, this.wpe, this.lnfG, this.lnfB, ...(this.lmHead ? [this.lmHead] : []), ...this.layers.flatMap((l) => Object.values(l) as Tensor[])];
  }

  protected embedTokens(ids: number[][]): Tensor3D {
    return embedLookup(this.wte, ids);
  }

  protected override addPositions(x: Tensor3D, pos0: number): Tensor3D {
    return tf.add(x, tf.slice(this.wpe, [pos0, 0], [x.shape[1], -1]));
  }

  protected attn(l: number, x: Tensor3D, ctx: AttnContext): Tensor3D {
    const { nHeads: h, dModel: d, eps } = this.spec;
    const hd = d / h;
    const L = this.layers[l];
    const xn = layerNorm(x, L.ln1g, L.ln1b, eps);
    const q = splitHeads(linear(xn, L.wq, L.bq), h, hd);
    const k = splitHeads(linear(xn, L.wk, L.bk), h, hd);
    const v = splitHeads(linear(xn, L.wv, L.bv), h, hd);
    const kv = withCache(ctx, l, k, v);
    const o = attention(q, kv.k, kv.v, { scale: 1 / Math.sqrt(hd), pos0: ctx.pos0 });
    return linear(o, L.wo, L.bo);
  }

  protected mlp(l: number, x: Tensor3D): Tensor3D {
    const L = this.layers[l];
    const hdn = geluTanh(linear(layerNorm(x, L.ln2g, L.ln2b, this.spec.eps), L.wfc, L.bfc));
    return linear(hdn, L.wproj, L.bproj);
  }

  protected head(x: Tensor3D): Tensor3D {
    const [b, s, d] = x.shape;
    const xn = tf.reshape(layerNorm(x, this.lnfG, this.lnfB, this.spec.eps), [b * s, d]);
    return tf.reshape(tf.matMul(xn, this.lmHead ?? this.wte, false, true), [b, s, this.config.vocabSize]) as Tensor3D;
  }

  directLogits(dirs: Tensor2D): Tensor2D {
    // LayerNorm removes each vector's mean before the gain, so centre the directions first.
    return tf.tidy(() => tf.matMul(tf.mul(tf.sub(dirs, tf.mean(dirs, -1, true)), this.lnfG), this.lmHead ?? this.wte, false, true) as Tensor2D);
  }
}
