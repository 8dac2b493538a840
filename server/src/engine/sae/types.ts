// The contract every SAE architecture implements, and the SAELens-compatible config it carries.
// Field names in SaeConfig are SAELens's cfg.json keys (v6), so a JumpLens SAE directory loads in
// SAELens and the reverse; see ../shared/docs/jumprelu-spec.md §5.2.
import type { Tensor1D, Tensor2D } from '../tf';
import type { SaeArchitecture } from '../../../../protocol/train';

export type { SaeArchitecture };

export type NormalizeActivations = 'none' | 'expected_average_only_in' | 'constant_norm_rescale' | 'layer_norm';

export type SaeDtype = 'float32' | 'float16' | 'bfloat16';

export interface SaeMetadata {
  model_name?: string;
  /** TransformerLens hook name, e.g. `blocks.3.hook_resid_post`. */
  hook_name?: string;
  hook_head_index?: number | null;
  context_size?: number;
  prepend_bos?: boolean;
  dataset_path?: string;
  /** Anything else a writer recorded (training settings, sae_lens_version, jumplens_version...). */
  [key: string]: unknown;
}

export interface SaeConfig {
  architecture: SaeArchitecture;
  d_in: number;
  d_sae: number;
  dtype: SaeDtype;
  device?: string;
  /** Subtract b_dec from x before the encoder (SAELens default true; Gemma Scope files false). */
  apply_b_dec_to_input: boolean;
  normalize_activations: NormalizeActivations;
  reshape_activations?: 'none' | 'hook_z';
  /** TopK / BatchTopK: number of latents kept per token (BatchTopK: mean over the batch). */
  k?: number;
  rescale_acts_by_decoder_norm?: boolean;
  metadata: SaeMetadata;
  /** Keys we do not interpret are kept and written back, so a round trip loses nothing. */
  [key: string]: unknown;
}

/** Named parameter tensors, with SAELens's names and shapes (W_enc: [d_in, d_sae], ...). */
export type SaeParams = Record<string, import('../tf').Tensor>;

/** The top features of each token, without materialising a dense [n, d_sae] array on the JS side. */
export interface SparseTopK {
  /** indices: [n, k] int32 feature ids, strongest first. */
  indices: Int32Array;
  /** values: [n, k] float32 activations, matching indices; 0 where fewer than k features fire. */
  values: Float32Array;
  /** Number of tokens. */
  n: number;
  k: number;
  /** Number of non-zero features per token (the token's L0): [n]. */
  l0: Int32Array;
}

export interface Sae {
  readonly cfg: SaeConfig;
  readonly dIn: number;
  readonly dSae: number;
  readonly architecture: SaeArchitecture;
  /** Hook the SAE reads, from cfg.metadata.hook_name (empty string if unknown). */
  readonly hookName: string;
  /** x: [batch, d_in] raw activations -> f: [batch, d_sae] feature activations (>= 0). */
  encode(x: Tensor2D): Tensor2D;
  /** f: [batch, d_sae] -> x_hat: [batch, d_in] in the raw activation space. */
  decode(f: Tensor2D): Tensor2D;
  /** x: [batch, d_in] -> x_hat: [batch, d_in]. */
  forward(x: Tensor2D): Tensor2D;
  /** The per-feature threshold θ: [d_sae] for JumpReLU (and BatchTopK / Gated, derived), else undefined. */
  threshold(): Tensor1D | undefined;
  /** The parameters under their SAELens names, as stored on disk. Owned by the SAE: do not dispose. */
  params(): SaeParams;
  dispose(): void;
}
