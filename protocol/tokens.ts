// Shapes every channel shares: positions (LSP-style, so any LSP client can use them) and one
// token's features. Plain types only.

/** LSP-style position and range (0-based line, UTF-16 character), so any LSP client can use them. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

export interface FeatureActivation {
  /** Feature (latent) index in the SAE. */
  id: number;
  /** Activation value f_i(x) at this token (to 5 significant digits, as are `rel` and `max`). */
  act: number;
  /** act / the feature's max activation (from the feature store, else the document's max); 0..1+. */
  rel?: number;
  /** Human label, when a feature store or imported explanations have one. */
  label?: string;
}

export interface TokenFeatures {
  range: Range;
  /** Token id in the model's vocabulary. */
  id: number;
  /** The token's text. */
  text: string;
  /** Strongest activation at this token (0 when nothing fires). */
  max: number;
  /** Relative strength of the strongest feature (act / that feature's max), drives the decoration. */
  rel: number;
  /** Number of features firing at this token (its L0). */
  l0: number;
  /** Top features, strongest first (at most the configured top-k). */
  top: FeatureActivation[];
  /** Dense features (store density over jumplens.denseFeatureThreshold) firing here, left out of `top`. */
  hidden?: number;
}

/** Daemon status: backend, model, SAE, tensor memory and last latency (LSP `jumplens/status` and ws `status`). */
export interface StatusResult {
  backend: { kind: string; label: string; detail: string };
  model?: { path: string; name: string; dModel: number; nLayers: number };
  sae?: { path: string; architecture: string; dSae: number; hook: string };
  /** tf.memory() of the daemon's main thread. */
  memory: { numTensors: number; numBytes: number };
  lastLatencyMs?: number;
  error?: string;
}
