// Streams text through a language model to a hook and keeps the activations for training, or reads
// activations computed elsewhere (.npy [n, d_in] or our .safetensors cache). A cache file lets a
// sweep of many SAEs run the model once; its metadata records the settings that produced it and
// a mismatch recomputes rather than silently training on the wrong activations.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../tf';
import { readCorpus, type CorpusOptions } from '../data/corpus';
import { batches, tokenChunks } from '../data/token-chunks';
import { readNpy } from '../io/npy';
import { readSafetensors, readSafetensorsHeader, writeSafetensors } from '../io/safetensors';
import type { LanguageModel } from '../lm/types';
import { ArrayActivations } from './activation-source';

export interface ActivationStoreOptions {
  hook: string;
  corpus: string;
  /** Tokens per sequence including BOS (default 256). */
  contextSize?: number;
  prependBos?: boolean;
  /** Drop the BOS position's activation (default true: its norm is an outlier, [GS] §3.1). */
  dropBos?: boolean;
  /** Stop after this many kept activations. */
  maxTokens?: number;
  /** Sequences per forward pass (default 32). */
  seqBatch?: number;
  corpusOptions?: CorpusOptions;
  /** Read from / write to this cache file (.safetensors). */
  cache?: string;
  onProgress?: (tokens: number) => void;
}

export interface StoreSettings {
  model_name: string;
  hook_name: string;
  dataset_path: string;
  context_size: number;
  prepend_bos: boolean;
  drop_bos: boolean;
  max_tokens: number | null;
  skip_docs: number;
  max_docs: number | null;
}

export interface CollectedActivations {
  source: ArrayActivations;
  settings: StoreSettings;
  fromCache: boolean;
}

export function storeSettings(model: LanguageModel, o: ActivationStoreOptions): StoreSettings {
  return {
    model_name: model.config.name,
    hook_name: o.hook,
    dataset_path: path.resolve(o.corpus),
    context_size: o.contextSize ?? 256,
    prepend_bos: o.prependBos ?? true,
    drop_bos: o.dropBos ?? true,
    max_tokens: o.maxTokens ?? null,
    skip_docs: o.corpusOptions?.skipDocs ?? 0,
    max_docs: o.corpusOptions?.maxDocs ?? null,
  };
}

/** Runs the corpus through `model` to `hook` in batched forward passes. */
export async function collectActivations(model: LanguageModel, o: ActivationStoreOptions): Promise<CollectedActivations> {
  const settings = storeSettings(model, o);
  if (!model.hookNames().includes(o.hook)) throw new Error(`${model.config.name}: unknown hook "${o.hook}"; hooks are ${model.hookNames().join(', ')}`);
  if (o.cache && existsSync(o.cache)) {
    const header = readSafetensorsHeader(o.cache);
    if (header.metadata.jumplens_activations === JSON.stringify(settings)) {
      const src = loadActivationsFile(o.cache);
      return { source: src, settings, fromCache: true };
    }
  }
  const ctx = settings.context_size;
  if (ctx > model.config.maxSeqLen) throw new Error(`context size ${ctx} exceeds ${model.config.name}'s max sequence length ${model.config.maxSeqLen}`);
  const d = model.config.dModel;
  const chunks: Float32Array[] = [];
  let kept = 0;
  const limit = settings.max_tokens ?? Infinity;
  const skip = settings.prepend_bos && settings.drop_bos ? 1 : 0;
  const docs = readCorpus(o.corpus, o.corpusOptions);
  for (const seqs of batches(tokenChunks(docs, model.tokenizer, { contextSize: ctx, prependBos: settings.prepend_bos }), o.seqBatch ?? 32)) {
    // act: [batch, seq, d] -> [batch·(seq - skip), d], BOS positions dropped.
    // The tensor leaves the tidy and is read after it: tidy walks a returned typed array element by element.
    const keptT = tf.tidy(() => {
      const act = model.runToHook(seqs, o.hook);
      return skip ? tf.slice(act, [0, skip, 0], [-1, -1, -1]) : act;
    });
    const data = keptT.dataSync() as Float32Array;
    keptT.dispose();
    const take = Math.min(data.length / d, limit - kept);
    chunks.push(take * d === data.length ? data : data.slice(0, take * d));
    kept += take;
    o.onProgress?.(kept);
    await new Promise((r) => setImmediate(r));
    if (kept >= limit) break;
  }
  if (kept === 0) throw new Error(`${o.corpus}: no complete ${ctx}-token sequence; the corpus is too short`);
  const all = new Float32Array(kept * d);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  if (o.cache) writeSafetensors(o.cache, { activations: { data: all, shape: [kept, d] } }, { metadata: { jumplens_activations: JSON.stringify(settings) } });
  return { source: new ArrayActivations(all, d, `${model.config.name} ${o.hook}`), settings, fromCache: false };
}

/** Reads activations [n, d_in] from a .safetensors cache (tensor "activations") or a .npy file. */
export function loadActivationsFile(file: string): ArrayActivations {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.safetensors') {
    const t = readSafetensors(file).get('activations');
    if (!t) throw new Error(`${file}: no tensor "activations"`);
    if (t.shape.length !== 2) throw new Error(`${file}: tensor "activations" must be 2-D [n, d_in], got shape [${t.shape.join(', ')}]`);
    return new ArrayActivations(t.data, t.shape[1], file);
  }
  if (ext === '.npy') return loadNpyActivations(file);
  throw new Error(`${file}: activations must be a .npy or .safetensors file`);
}

function loadNpyActivations(file: string): ArrayActivations {
  const t = readNpy(file);
  if (t.shape.length !== 2) throw new Error(`${file}: array must be 2-D [n, d_in], got shape [${t.shape.join(', ')}]`);
  if (!(t.data instanceof Float32Array)) throw new Error(`${file}: activations must be floating point, got an integer array`);
  return new ArrayActivations(t.data, t.shape[1], file);
}
