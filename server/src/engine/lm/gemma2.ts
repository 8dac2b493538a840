// Gemma 2 (the model of Gemma Scope), after HF transformers' modeling_gemma2: embedding scaled by
// sqrt(d_model), RMSNorm with (1 + w), norms before and after both attention and MLP, GeGLU
// (gelu-tanh), attention scaled by query_pre_attn_scalar^-0.5 with tanh soft-capping, sliding-
// window attention on alternate layers (even layers unless config.layer_types says otherwise) and
// soft-capped final logits. hook_attn_out / hook_mlp_out are after the post-norms, where they are
// added to the residual (where Gemma Scope's SAEs read).
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor3D } from '../tf';
import { attention, splitHeads } from './attention';
import { cfgInt, cfgNum, type HfWeights } from './hf-weights';
import { linearWeight } from './llama';
import { embedLookup, geluTanh, linear, rmsNorm, softCap } from './ops';
import { applyRope, ropeInvFreq, ropeTables } from './rope';
import { TransformerModel, withCache, type AttnContext } from './transformer';
import { decoderConfig, type DecoderDims, type LmConfig, type Tokenizer } from './types';
import { expectShape } from './weights';

export interface Gemma2Spec extends DecoderDims {
  queryPreAttnScalar: number;
  attnSoftcap: number | undefined;
  finalSoftcap: number | undefined;
  slidingWindow: number | undefined;
  /** Per layer: whether it uses the sliding window. */
  sliding: boolean[];
}

interface Layer {
  inNorm: Tensor1D;
  postAttnNorm: Tensor1D;
  preFfnNorm: Tensor1D;
  postFfnNorm: Tensor1D;
  wq: Tensor2D;
  wk: Tensor2D;
  wv: Tensor2D;
  wo: Tensor2D;
  wGate: Tensor2D;
  wUp: Tensor2D;
  wDown: Tensor2D;
}

export function gemma2Spec(cfg: Record<string, unknown>, file: string, name: string): Gemma2Spec {
  const d = cfgInt(cfg, file, 'hidden_size');
  const nHeads = cfgInt(cfg, file, 'num_attention_heads');
  const nLayers = cfgInt(cfg, file, 'num_hidden_layers');
  const headDim = cfg.head_dim ? cfgInt(cfg, file, 'head_dim') : d / nHeads;
  const types = cfg.layer_types as unknown;
  let sliding: boolean[];
  if (Array.isArray(types)) {
    if (types.length !== nLayers) throw new Error(`${file}: layer_types has ${types.length} entries for ${nLayers} layers`);
    sliding = types.map((t) => t === 'sliding_attention');
  } else {
    sliding = Array.from({ length: nLayers }, (_, l) => l % 2 === 0);
  }
  const opt = (k: string) => (cfg[k] === null || cfg[k] === undefined ? undefined : cfgNum(cfg, file, k));
  return {
    name,
    dModel: d,
    nLayers,
    nHeads,
    nKvHeads: cfg.num_key_value_heads ? cfgInt(cfg, file, 'num_key_value_heads') : nHeads,
    headDim,
    hidden: cfgInt(cfg, file, 'intermediate_size'),
    vocabSize: cfgInt(cfg, file, 'vocab_size'),
    maxSeqLen: cfgInt(cfg, file, 'max_position_embeddings'),
    normEps: cfgNum(cfg, file, 'rms_norm_eps', 1e-6),
    ropeTheta: cfgNum(cfg, file, 'rope_theta', 10000),
    queryPreAttnScalar: cfgNum(cfg, file, 'query_pre_attn_scalar', headDim),
    attnSoftcap: opt('attn_logit_softcapping'),
    finalSoftcap: opt('final_logit_softcapping'),
    slidingWindow: opt('sliding_window'),
    sliding,
  };
}

export class Gemma2Model extends TransformerModel {
  readonly config: LmConfig;
  private readonly embed: Tensor2D;
  private readonly finalNorm: Tensor1D;
  private readonly layers: Layer[] = [];
  private readonly invFreq: Float32Array;

  constructor(
    readonly spec: Gemma2Spec,
    w: HfWeights,
    readonly tokenizer: Tokenizer,
  ) {
    super();
    const { dModel: d, nHeads: h, nKvHeads: kvh, headDim: hd, hidden, vocabSize: V } = spec;
    this.config = decoderConfig('gemma2', spec);
    this.invFreq = ropeInvFreq(hd, spec.ropeTheta);
    const src = w.dir;
    // Gemma's RMSNorm multiplies by (1 + w); fold the 1 in once here.
    const made: Tensor[] = [];
    const norm = (name: string) => {
      const t = expectShape(src, name, w.get(name), [d]);
      const r = tf.tensor1d(t.data.map((x) => 1 + x));
      made.push(r);
      return r;
    };
    try {
      this.embed = tf.tensor2d(expectShape(src, 'model.embed_tokens.weight', w.get('model.embed_tokens.weight'), [V, d]).data, [V, d]);
      made.push(this.embed);
      this.finalNorm = norm('model.norm.weight');
      for (let l = 0; l < spec.nLayers; l++) {
        const p = `model.layers.${l}.`;
        const lin = (n: string, out: number, inn: number) => {
          const r = linearWeight(src, p + n, w.get(p + n), out, inn);
          made.push(r);
          return r;
        };
        const layer: Layer = {
          inNorm: norm(p + 'input_layernorm.weight'),
          postAttnNorm: norm(p + 'post_attention_layernorm.weight'),
          preFfnNorm: norm(p + 'pre_feedforward_layernorm.weight'),
          postFfnNorm: norm(p + 'post_feedforward_layernorm.weight'),
          wq: lin('self_attn.q_proj.weight', h * hd, d),
          wk: lin('self_attn.k_proj.weight', kvh * hd, d),
          wv: lin('self_attn.v_proj.weight', kvh * hd, d),
          wo: lin('self_attn.o_proj.weight', d, h * hd),
          wGate: lin('mlp.gate_proj.weight', hidden, d),
          wUp: lin('mlp.up_proj.weight', hidden, d),
          wDown: lin('mlp.down_proj.weight', d, hidden),
        };
        this.layers.push(layer);
      }
    } catch (e) {
      tf.dispose(made);
      throw e;
    }
  }

  protected params(): Tensor[] {
    return [this.embed, this.finalNorm, ...this.layers.flatMap((l) => Object.values(l) as Tensor[])];
  }

  protected embedTokens(ids: number[][]): Tensor3D {
    // HF casts the normalizer to the model dtype; in float32 that is just sqrt(d).
    return tf.mul(embedLookup(this.embed, ids), Math.fround(Math.sqrt(this.spec.dModel)));
  }

  protected attn(l: number, x: Tensor3D, ctx: AttnContext): Tensor3D {
    const s = this.spec;
    const L = this.layers[l];
    const xn = rmsNorm(x, L.inNorm, s.normEps);
    const rt = ropeTables(this.invFreq, ctx.pos0, x.shape[1], 'half');
    const q = applyRope(splitHeads(linear(xn, L.wq), s.nHeads, s.headDim), rt);
    const k = applyRope(splitHeads(linear(xn, L.wk), s.nKvHeads, s.headDim), rt);
    const v = splitHeads(linear(xn, L.wv), s.nKvHeads, s.headDim);
    const kv = withCache(ctx, l, k, v);
    const o = attention(q, kv.k, kv.v, {
      scale: Math.pow(s.queryPreAttnScalar, -0.5),
      pos0: ctx.pos0,
      softcap: s.attnSoftcap,
      window: s.sliding[l] ? s.slidingWindow : undefined,
    });
    return rmsNorm(linear(o, L.wo), L.postAttnNorm, s.normEps);
  }

  protected mlp(l: number, x: Tensor3D): Tensor3D {
    const L = this.layers[l];
    const xn = rmsNorm(x, L.preFfnNorm, this.spec.normEps);
    const y = linear(tf.mul(geluTanh(linear(xn, L.wGate)), linear(xn, L.wUp)) as Tensor3D, L.wDown);
    return rmsNorm(y, L.postFfnNorm, this.spec.normEps);
  }

  protected head(x: Tensor3D): Tensor3D {
    const [b, s, d] = x.shape;
    const xn = tf.reshape(rmsNorm(x, this.finalNorm, this.spec.normEps), [b * s, d]);
    let logits = tf.reshape(tf.matMul(xn, this.embed, false, true), [b, s, this.config.vocabSize]) as Tensor3D;
    if (this.spec.finalSoftcap) logits = softCap(logits, this.spec.finalSoftcap);
    return logits;
  }

  directLogits(dirs: Tensor2D): Tensor2D {
    return tf.tidy(() => tf.matMul(tf.mul(dirs, this.finalNorm), this.embed, false, true) as Tensor2D);
  }
}
