// The contract every language-model runtime implements. Hook names are TransformerLens's:
// `hook_embed`, `blocks.{l}.hook_resid_pre`, `blocks.{l}.hook_attn_out`, `blocks.{l}.hook_mlp_out`,
// `blocks.{l}.hook_resid_post`.
import type { Tensor3D } from '../tf';

export type LmArchitecture = 'llama2c' | 'llama' | 'gemma2' | 'gpt2';

export interface LmConfig {
  architecture: LmArchitecture;
  /** A short name for cfg.json's metadata.model_name, e.g. `stories260K`. */
  name: string;
  dModel: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  /** Longest sequence the model supports (positions). */
  maxSeqLen: number;
}

/** One token with its place in the source text. */
export interface TokenSpan {
  id: number;
  /** The token's text as the user would read it (byte-fallback tokens of one character merged). */
  text: string;
  /** UTF-16 offsets into the encoded string, [start, end), as the LSP counts positions. BOS: 0, 0. */
  start: number;
  end: number;
}

export interface Tokenizer {
  readonly vocabSize: number;
  readonly bosId: number | undefined;
  readonly eosId: number | undefined;
  /** Encodes text; `bos` prepends the BOS token (default true where the model was trained so). */
  encode(text: string, opts?: { bos?: boolean }): TokenSpan[];
  /** Optional: `encode`'s exact result, yielding to the event loop while it works (long prompts). */
  encodeAsync?(text: string, opts?: { bos?: boolean }): Promise<TokenSpan[]>;
  decode(ids: ArrayLike<number>): string;
  /** The vocabulary entry for one id, for display. */
  idToPiece(id: number): string;
}

/**
 * Activation replacement for `runWithReplacement` / `forwardCached`: act: [batch, seq, d] -> same
 * shape. pos0 is the absolute position of act's first row (the cache length; 0 or absent without
 * a cache).
 */
export type ActivationFn = (act: Tensor3D, pos0?: number) => Tensor3D;

/** Keys and values of every layer, to extend a prompt without recomputing its prefix. */
export interface KvCache {
  /** Number of positions the cache holds. */
  readonly length: number;
  /** Drops positions from `length` on (an edit at position p keeps [0, p)). */
  truncate(length: number): void;
  dispose(): void;
}

export interface LanguageModel {
  readonly config: LmConfig;
  readonly tokenizer: Tokenizer;
  /** Every hook name this model exposes, in execution order. */
  hookNames(): string[];
  /** ids: [batch][seq] (equal lengths) -> logits: [batch, seq, vocab]. */
  forward(ids: number[][]): Tensor3D;
  /** ids: [batch][seq] -> activation at `hook`: [batch, seq, d]; stops after the hook's layer. */
  runToHook(ids: number[][], hook: string): Tensor3D;
  /** Replaces the activation at `hook` by fn(act) and runs on to the logits: [batch, seq, vocab]. */
  runWithReplacement(ids: number[][], hook: string, fn: ActivationFn): Tensor3D;
  /**
   * Incremental single-sequence run: computes only positions cache.length.. of `ids` (whose prefix
   * must be what the cache holds), appends them to the cache, and returns the hook activation of
   * the new positions: [1, new, d]. Pass `undefined` to start a new cache.
   */
  runToHookCached(ids: number[], hook: string, cache: KvCache | undefined): { act: Tensor3D; cache: KvCache };
  dispose(): void;
}

/** The sizes every decoder-only checkpoint declares (llama, llama2.c, Gemma 2). */
export interface DecoderDims {
  name: string;
  dModel: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  hidden: number;
  vocabSize: number;
  maxSeqLen: number;
  normEps: number;
  ropeTheta: number;
}

/** The LmConfig a decoder-only checkpoint's sizes give. */
export function decoderConfig(architecture: LmArchitecture, s: DecoderDims): LmConfig {
  return {
    architecture,
    name: s.name,
    dModel: s.dModel,
    nLayers: s.nLayers,
    nHeads: s.nHeads,
    nKvHeads: s.nKvHeads,
    vocabSize: s.vocabSize,
    maxSeqLen: s.maxSeqLen,
  };
}
