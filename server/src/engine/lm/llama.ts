// The Llama decoder (RMSNorm, GQA attention with RoPE, SwiGLU MLP), used for llama2.c checkpoints
// and Hugging Face Llama-family weights alike; only the RoPE layout differs between the two.
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor3D } from '../tf';
import { attention, splitHeads } from './attention';
import { embedLookup, linear, rmsNorm, silu } from './ops';
import { applyRope, ropeInvFreq, ropeTables, type RopeScaling, type RopeStyle } from './rope';
import { TransformerModel, withCache, type AttnContext } from './transformer';
import { decoderConfig, type DecoderDims, type LmConfig, type Tokenizer } from './types';
import { expectShape, type RawTensor } from './weights';

export interface LlamaSpec extends DecoderDims {
  architecture: 'llama2c' | 'llama';
  ropeStyle: RopeStyle;
  ropeScaling?: RopeScaling | null;
}

/** Weights in PyTorch's Linear layout [out, in]. */
export interface LlamaLayerWeights {
  attnNorm: RawTensor;
  wq: RawTensor;
  wk: RawTensor;
  wv: RawTensor;
  wo: RawTensor;
  mlpNorm: RawTensor;
  wGate: RawTensor;
  wUp: RawTensor;
  wDown: RawTensor;
}

export interface LlamaWeights {
  embed: RawTensor;
  layers: LlamaLayerWeights[];
  finalNorm: RawTensor;
  /** Absent: tied to the embedding. */
  lmHead?: RawTensor;
}

interface Layer {
  attnNorm: Tensor1D;
  wq: Tensor2D;
  wk: Tensor2D;
  wv: Tensor2D;
  wo: Tensor2D;
  mlpNorm: Tensor1D;
  wGate: Tensor2D;
  wUp: Tensor2D;
  wDown: Tensor2D;
}

/** [out, in] host weights -> [in, out] tensor so activations multiply on the left. */
export function linearWeight(file: string, name: string, t: RawTensor, out: number, inn: number): Tensor2D {
  expectShape(file, name, t, [out, inn]);
  return tf.tidy(() => tf.transpose(tf.tensor2d(t.data, [out, inn]))) as Tensor2D;
}

export function vectorWeight(file: string, name: string, t: RawTensor, n: number): Tensor1D {
  expectShape(file, name, t, [n]);
  return tf.tensor1d(t.data);
}

export class LlamaModel extends TransformerModel {
  readonly config: LmConfig;
  private readonly embed: Tensor2D;
  private readonly lmHead: Tensor2D | undefined; // [vocab, d]; undefined = tied
  private readonly finalNorm: Tensor1D;
  private readonly layers: Layer[];
  private readonly invFreq: Float32Array;

  constructor(
    readonly spec: LlamaSpec,
    w: LlamaWeights,
    readonly tokenizer: Tokenizer,
    readonly source: string,
  ) {
    super();
    const { dModel: d, nHeads: h, nKvHeads: kvh, headDim: hd, hidden, vocabSize: V } = spec;
    if (w.layers.length !== spec.nLayers) throw new Error(`${source}: ${w.layers.length} layers of weights, config says ${spec.nLayers}`);
    if (tokenizer.vocabSize > V) throw new Error(`${source}: tokenizer has ${tokenizer.vocabSize} tokens, more than the model's vocab_size ${V}`);
    this.config = decoderConfig(spec.architecture, spec);
    this.invFreq = ropeInvFreq(hd, spec.ropeTheta, spec.ropeScaling, source);
    const made: Tensor[] = [];
    const k = <T extends Tensor>(t: T): T => (made.push(t), t);
    try {
      this.embed = tf.tensor2d(expectShape(source, 'embed_tokens', w.embed, [V, d]).data, [V, d]);
      made.push(this.embed);
      this.lmHead = w.lmHead ? tf.tensor2d(expectShape(source, 'lm_head', w.lmHead, [V, d]).data, [V, d]) : undefined;
      if (this.lmHead) made.push(this.lmHead);
      this.finalNorm = k(vectorWeight(source, 'norm', w.finalNorm, d));
      this.layers = w.layers.map((lw, l) => {
        const n = (s: string) => `layers.${l}.${s}`;
        const layer: Layer = {
          attnNorm: k(vectorWeight(source, n('input_layernorm'), lw.attnNorm, d)),
          wq: k(linearWeight(source, n('q_proj'), lw.wq, h * hd, d)),
          wk: k(linearWeight(source, n('k_proj'), lw.wk, kvh * hd, d)),
          wv: k(linearWeight(source, n('v_proj'), lw.wv, kvh * hd, d)),
          wo: k(linearWeight(source, n('o_proj'), lw.wo, d, h * hd)),
          mlpNorm: k(vectorWeight(source, n('post_attention_layernorm'), lw.mlpNorm, d)),
          wGate: k(linearWeight(source, n('gate_proj'), lw.wGate, hidden, d)),
          wUp: k(linearWeight(source, n('up_proj'), lw.wUp, hidden, d)),
          wDown: k(linearWeight(source, n('down_proj'), lw.wDown, d, hidden)),
        };
        return layer;
      });
    } catch (e) {
      tf.dispose(made);
      throw e;
    }
  }

  protected params(): Tensor[] {
    return [this.embed, this.finalNorm, ...(this.lmHead ? [this.lmHead] : []), ...this.layers.flatMap((l) => Object.values(l) as Tensor[])];
  }

  protected embedTokens(ids: number[][]): Tensor3D {
    return embedLookup(this.embed, ids);
  }

  protected attn(l: number, x: Tensor3D, ctx: AttnContext): Tensor3D {
    const { nHeads: h, nKvHeads: kvh, headDim: hd, normEps } = this.spec;
    const L = this.layers[l];
    const xn = rmsNorm(x, L.attnNorm, normEps);
    const s = x.shape[1];
    const rt = ropeTables(this.invFreq, ctx.pos0, s, this.spec.ropeStyle);
    const q = applyRope(splitHeads(linear(xn, L.wq), h, hd), rt);
    const k = applyRope(splitHeads(linear(xn, L.wk), kvh, hd), rt);
    const v = splitHeads(linear(xn, L.wv), kvh, hd) as tf.Tensor4D;
    const kv = withCache(ctx, l, k, v);
    const o = attention(q, kv.k, kv.v, { scale: 1 / Math.sqrt(hd), pos0: ctx.pos0 });
    return linear(o, L.wo);
  }

  protected mlp(l: number, x: Tensor3D): Tensor3D {
    const L = this.layers[l];
    const xn = rmsNorm(x, L.mlpNorm, this.spec.normEps);
    return linear(tf.mul(silu(linear(xn, L.wGate)), linear(xn, L.wUp)) as Tensor3D, L.wDown);
  }

  protected head(x: Tensor3D): Tensor3D {
    const [b, s, d] = x.shape;
    const xn = tf.reshape(rmsNorm(x, this.finalNorm, this.spec.normEps), [b * s, d]);
    return tf.reshape(tf.matMul(xn, this.lmHead ?? this.embed, false, true), [b, s, this.config.vocabSize]) as Tensor3D;
  }

  directLogits(dirs: Tensor2D): Tensor2D {
    return tf.tidy(() => tf.matMul(tf.mul(dirs, this.finalNorm), this.lmHead ?? this.embed, false, true) as Tensor2D);
  }
}
