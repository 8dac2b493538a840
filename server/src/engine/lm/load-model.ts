// One entry point for every model source: a llama2.c .bin, a Hugging Face folder (config.json +
// safetensors + tokenizer.json), a hub-cache folder, or a name under the models folder.
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { tf } from '../tf';
import { Gemma2Model, gemma2Spec } from './gemma2';
import { Gpt2Model, gpt2Spec } from './gpt2';
import { HfTokenizer } from './hf-tokenizer';
import { cfgInt, cfgNum, HfWeights, readConfig } from './hf-weights';
import { LlamaModel, type LlamaLayerWeights, type LlamaSpec } from './llama';
import { readLlama2cCheckpoint } from './llama2c-checkpoint';
import { Llama2cTokenizer } from './llama2c-tokenizer';
import { type ModelSearch, resolveHfCacheFolder, resolveModelPath } from './models-dir';

export { resolveModelPath } from './models-dir';
import type { RopeScaling } from './rope';
import type { LanguageModel } from './types';

/** The tokenizer.bin that goes with a llama2.c checkpoint: tok{vocab}.bin beside it, else tokenizer.bin. */
export function llama2cTokenizerPath(bin: string, vocabSize: number): string {
  const dir = path.dirname(bin);
  const own = path.join(dir, `tok${vocabSize}.bin`);
  if (existsSync(own)) return own;
  const std = path.join(dir, 'tokenizer.bin');
  if (vocabSize === 32000 && existsSync(std)) return std;
  throw new Error(`${bin}: no tokenizer for vocab_size ${vocabSize}: expected ${own}${vocabSize === 32000 ? ` or ${std}` : ''}`);
}

export function loadLlama2c(file: string, tokenizerFile?: string): LlamaModel {
  const { spec, weights } = readLlama2cCheckpoint(file);
  const tok = Llama2cTokenizer.load(tokenizerFile ?? llama2cTokenizerPath(file, spec.vocabSize), spec.vocabSize);
  return new LlamaModel(spec, weights, tok, file);
}

function hfName(dir: string): string {
  const m = /models--([^/]+)--([^/]+)\/snapshots\//.exec(dir.replace(/\\/g, '/'));
  return m ? m[2] : path.basename(dir);
}

export function loadHfLlama(dir: string, cfg: Record<string, unknown>, tok: HfTokenizer): LlamaModel {
  const file = path.join(dir, 'config.json');
  const d = cfgInt(cfg, file, 'hidden_size');
  const nHeads = cfgInt(cfg, file, 'num_attention_heads');
  const nLayers = cfgInt(cfg, file, 'num_hidden_layers');
  const spec: LlamaSpec = {
    architecture: 'llama',
    name: hfName(dir),
    dModel: d,
    nLayers,
    nHeads,
    nKvHeads: cfg.num_key_value_heads ? cfgInt(cfg, file, 'num_key_value_heads') : nHeads,
    headDim: cfg.head_dim ? cfgInt(cfg, file, 'head_dim') : d / nHeads,
    hidden: cfgInt(cfg, file, 'intermediate_size'),
    vocabSize: cfgInt(cfg, file, 'vocab_size'),
    maxSeqLen: cfgInt(cfg, file, 'max_position_embeddings'),
    normEps: cfgNum(cfg, file, 'rms_norm_eps', 1e-6),
    ropeTheta: cfgNum(cfg, file, 'rope_theta', 10000),
    ropeStyle: 'half',
    ropeScaling: (cfg.rope_scaling as RopeScaling | null | undefined) ?? null,
  };
  if (cfg.hidden_act !== undefined && cfg.hidden_act !== 'silu')
    throw new Error(`${file}: hidden_act "${String(cfg.hidden_act)}" is not supported for llama (silu)`);
  const w = new HfWeights(dir);
  const layers: LlamaLayerWeights[] = [];
  for (let l = 0; l < nLayers; l++) {
    const p = `model.layers.${l}.`;
    layers.push({
      attnNorm: w.get(p + 'input_layernorm.weight'),
      wq: w.get(p + 'self_attn.q_proj.weight'),
      wk: w.get(p + 'self_attn.k_proj.weight'),
      wv: w.get(p + 'self_attn.v_proj.weight'),
      wo: w.get(p + 'self_attn.o_proj.weight'),
      mlpNorm: w.get(p + 'post_attention_layernorm.weight'),
      wGate: w.get(p + 'mlp.gate_proj.weight'),
      wUp: w.get(p + 'mlp.up_proj.weight'),
      wDown: w.get(p + 'mlp.down_proj.weight'),
    });
  }
  const tied = cfg.tie_word_embeddings === true || !w.has('lm_head.weight');
  return new LlamaModel(
    spec,
    { embed: w.get('model.embed_tokens.weight'), layers, finalNorm: w.get('model.norm.weight'), lmHead: tied ? undefined : w.get('lm_head.weight') },
    tok,
    dir,
  );
}

// WASM memory is 32-bit: weights held as float32 must fit in 4 GiB with room for activations.
const WASM_WEIGHT_LIMIT = 3.5 * 2 ** 30;

function checkFitsBackend(dir: string): void {
  if (tf.getBackend() !== 'wasm') return;
  const bytes = new HfWeights(dir).totalElements() * 4;
  if (bytes > WASM_WEIGHT_LIMIT) {
    throw new Error(
      `${dir}: the weights take ${(bytes / 2 ** 30).toFixed(1)} GiB as float32, more than the WASM backend can address (4 GiB); install @tensorflow/tfjs-node (see \`jumplens doctor\`) to run this model`,
    );
  }
}

/** A Hugging Face model folder (or hub-cache folder), dispatched on config.json's model_type. */
export function loadHfFolder(folder: string): LanguageModel {
  const dir = resolveHfCacheFolder(folder);
  const file = path.join(dir, 'config.json');
  if (!existsSync(file)) throw new Error(`${dir}: no config.json (not a Hugging Face model folder)`);
  const cfg = readConfig(dir);
  const type = cfg.model_type;
  checkFitsBackend(dir);
  const tok = HfTokenizer.fromFolder(dir);
  switch (type) {
    case 'llama':
    case 'mistral':
      return loadHfLlama(dir, cfg, tok);
    case 'gemma2':
      return new Gemma2Model(gemma2Spec(cfg, file, hfName(dir)), new HfWeights(dir), tok);
    case 'gpt2':
      return new Gpt2Model(gpt2Spec(cfg, file, hfName(dir)), new HfWeights(dir), tok);
    default:
      throw new Error(`${file}: unknown architecture model_type ${JSON.stringify(type)} (supported: llama, mistral, gemma2, gpt2)`);
  }
}

/** Loads a model by path or name; `opts.search` adds the folders a name is looked up in (see models-dir). */
export async function loadModel(pathOrName: string, opts: { tokenizer?: string; search?: ModelSearch } = {}): Promise<LanguageModel> {
  await initBackend();
  const p = resolveModelPath(pathOrName, opts.search);
  if (statSync(p).isDirectory()) return loadHfFolder(p);
  if (p.endsWith('.bin')) return loadLlama2c(p, opts.tokenizer);
  throw new Error(`${p}: unknown model format (expected a llama2.c .bin or a Hugging Face folder with config.json)`);
}
