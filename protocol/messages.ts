// Every custom message between the daemon, the VS Code client, the webview and remote clients,
// typed once (as rust-analyzer's lsp_ext.ts). Each entry says who sends it and why. This module
// holds plain types, method names and small validators only: it must not import tfjs, vscode or
// any Node-only module, because the client and the webview bundle it.
import type { TrainConfig, TrainProgressEvent, TrainResult } from './train';

export type { TrainConfig, TrainProgressEvent, TrainResult };

// ---------------------------------------------------------------------------------------------
// Shared shapes

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
}

// ---------------------------------------------------------------------------------------------
// LSP extensions (method names are the wire names)

export const Methods = {
  /** daemon -> client notification: the features of every token of an analysed document, after each (debounced) change. */
  tokenFeatures: 'jumplens/tokenFeatures',
  /**
   * client -> daemon notification (VisibleRangesParams): what an editor shows of a document. A document
   * too long to analyse whole is re-analysed around the view when the view leaves the analysed part.
   */
  visibleRanges: 'jumplens/visibleRanges',
  /** client -> daemon request: turn analysis of a document on or off ("JumpLens: Analyze This Document"). */
  setAnalyzed: 'jumplens/setAnalyzed',
  /** client -> daemon request (StatusParams): backend, model, SAE, tensor memory and last latency, for the status bar and tests. */
  status: 'jumplens/status',
  /** daemon -> client notification: the status changed (model loaded, backend chosen, error). */
  statusChanged: 'jumplens/statusChanged',
  /** client -> daemon request: one feature's activations across a document ("Focus Feature"). */
  focusFeature: 'jumplens/focusFeature',
  /** client -> daemon request: list jobs (queued, running, finished, interrupted). */
  listJobs: 'jumplens/listJobs',
  /** daemon -> client notification: a job's state or progress changed (mirrors ws `jobEvent`). */
  jobEvent: 'jumplens/jobEvent',
  /** client -> daemon request: the ws endpoint and token, so the extension can hand them to the webview. */
  apiEndpoint: 'jumplens/apiEndpoint',
} as const;

/** Commands run through `workspace/executeCommand`; each long one reports `$/progress`. */
export const Commands = {
  /** Start an SAE training job; argument: JobSpec with kind 'train'. Returns { jobId }. */
  train: 'jumplens.job.train',
  /** Fine-tune a loaded SAE (all params or thresholds only); argument: JobSpec 'finetune'. */
  finetune: 'jumplens.job.finetune',
  /** Rescale thresholds of a JumpReLU SAE and evaluate each scale; argument: JobSpec 'sweepThreshold'. */
  sweepThreshold: 'jumplens.job.sweepThreshold',
  /** Evaluate an SAE (L0, FVU, delta LM loss); argument: JobSpec 'eval'. */
  evaluate: 'jumplens.job.eval',
  /** Build the feature store (top contexts, histograms, densities); argument: JobSpec 'featureStore'. */
  buildFeatureStore: 'jumplens.job.featureStore',
  /** Cancel a job; argument: { jobId }. */
  cancel: 'jumplens.job.cancel',
  /** Resume an interrupted job from its last checkpoint; argument: { jobId }. */
  resume: 'jumplens.job.resume',
} as const;

export interface TokenFeaturesParams {
  uri: string;
  version: number;
  /** Index of the first token whose features were recomputed for this version (0 = all; tokens.length = none). */
  recomputedFrom: number;
  /** How many tokens were recomputed (prompts of a `.jlp` file the edit did not touch keep their features). */
  recomputed: number;
  tokens: TokenFeatures[];
  /** Set when only part of a large document was analysed: which range, and why. */
  partial?: { range: Range; reason: string };
  /** Milliseconds from receiving the change to sending this notification. */
  latencyMs: number;
}

export interface VisibleRangesParams {
  uri: string;
  /** The ranges the editor shows, in document order (folded regions split them). */
  ranges: Range[];
}

export interface SetAnalyzedParams {
  uri: string;
  analyzed: boolean;
}

/** `jumplens/status` params: with a uri, the model and SAE that document is analysed with (its `.jlp` directives applied). */
export interface StatusParams {
  uri?: string;
}

export interface StatusResult {
  backend: { kind: string; label: string; detail: string };
  model?: { path: string; name: string; dModel: number; nLayers: number };
  sae?: { path: string; architecture: string; dSae: number; hook: string };
  /** tf.memory() of the daemon's main thread. */
  memory: { numTensors: number; numBytes: number };
  lastLatencyMs?: number;
  error?: string;
}

/** Reply to `jumplens/apiEndpoint`: the daemon's ws URL (loopback) and the token to present. */
export interface ApiEndpointResult {
  url: string;
  token: string;
}

/** Reply to the job commands (`workspace/executeCommand`): the job started, cancelled or resumed. */
export interface JobCommandResult {
  jobId: string;
  state?: JobState;
}

export interface FocusFeatureParams {
  uri: string;
  feature: number;
}
export interface FocusFeatureResult {
  feature: number;
  label?: string;
  /** Max activation used to scale (store max, else the document's). */
  scale: number;
  tokens: { range: Range; act: number }[];
}

// ---------------------------------------------------------------------------------------------
// Jobs

export type JobKind = 'train' | 'finetune' | 'sweepThreshold' | 'eval' | 'featureStore';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobSpec {
  kind: JobKind;
  /** Training / fine-tuning config (fine-tuning sets initFrom and maybe thresholdsOnly). */
  train?: Partial<TrainConfig>;
  /** eval / sweepThreshold / featureStore: which SAE, model and corpus. */
  sae?: string;
  model?: string;
  corpus?: string;
  scales?: number[];
  tokens?: number;
}

export interface JobInfo {
  id: string;
  spec: JobSpec;
  state: JobState;
  createdAt: string;
  /** Run folder: .jumplens/runs/<id>/ */
  dir: string;
  progress?: { step: number; total: number; message?: string };
  error?: string;
  result?: unknown;
}

export type JobEvent =
  | { type: 'state'; job: JobInfo }
  /** `progress` is set for every kind; `event` carries the training metrics for train / finetune. */
  | { type: 'progress'; jobId: string; progress: { step: number; total: number; message?: string }; event?: TrainProgressEvent }
  | { type: 'log'; jobId: string; line: string };

// ---------------------------------------------------------------------------------------------
// WebSocket API: the same operations for the webview and remote clients. Every client message has
// an `id` the reply echoes. The token travels as `?token=` or the `Authorization: Bearer` header.

export type WsRequest =
  /** any client -> daemon: start a job. */
  | { id: number; op: 'startJob'; spec: JobSpec }
  /** any client -> daemon: cancel a job. */
  | { id: number; op: 'cancelJob'; jobId: string }
  /** any client -> daemon: resume an interrupted job. */
  | { id: number; op: 'resumeJob'; jobId: string }
  /** any client -> daemon: list jobs. */
  | { id: number; op: 'listJobs' }
  /** any client -> daemon: daemon status (backend, model, SAE). */
  | { id: number; op: 'status' }
  /** any client -> daemon: encode a text and return its token features (remote analysis). */
  | { id: number; op: 'analyze'; text: string; topK?: number };

export type WsReply =
  | { id: number; ok: true; result: unknown }
  | { id: number | null; ok: false; error: string };

/** daemon -> every authenticated ws client: pushed job events. */
export interface WsPush {
  push: 'jobEvent';
  event: JobEvent;
}

const OPS = new Set(['startJob', 'cancelJob', 'resumeJob', 'listJobs', 'status', 'analyze']);
const JOB_KINDS = new Set<JobKind>(['train', 'finetune', 'sweepThreshold', 'eval', 'featureStore']);

/** Checks a job spec's shape (not whether its files exist); returns why it is malformed, or undefined. */
export function validateJobSpec(spec: unknown): string | undefined {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return 'job "spec" must be an object';
  const o = spec as Record<string, unknown>;
  if (!JOB_KINDS.has(o.kind as JobKind)) return `unknown job kind ${JSON.stringify(o.kind)}`;
  for (const k of ['sae', 'model', 'corpus'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || o[k] === '')) return `job spec "${k}" must be a non-empty string`;
  }
  if (o.tokens !== undefined && !(Number.isInteger(o.tokens) && (o.tokens as number) > 0)) return 'job spec "tokens" must be a positive integer';
  if (o.scales !== undefined && !(Array.isArray(o.scales) && o.scales.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0))) {
    return 'job spec "scales" must be an array of positive numbers';
  }
  if (o.train !== undefined && (typeof o.train !== 'object' || o.train === null || Array.isArray(o.train))) return 'job spec "train" must be an object';
  if ((o.kind === 'train' || o.kind === 'finetune') && o.train === undefined) return `${o.kind} job needs "train" (a training config)`;
  return undefined;
}

/** Validates a ws message; returns the typed request or a reason it is malformed. */
export function parseWsRequest(raw: string): { ok: true; req: WsRequest } | { ok: false; id: number | null; error: string } {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return { ok: false, id: null, error: 'message is not valid JSON' };
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { ok: false, id: null, error: 'message must be a JSON object' };
  const o = m as Record<string, unknown>;
  const id = typeof o.id === 'number' && Number.isInteger(o.id) ? o.id : null;
  if (id === null) return { ok: false, id: null, error: 'field "id" must be an integer' };
  if (typeof o.op !== 'string' || !OPS.has(o.op)) return { ok: false, id, error: `unknown op ${JSON.stringify(o.op)}` };
  switch (o.op) {
    case 'startJob': {
      const bad = validateJobSpec(o.spec);
      if (bad) return { ok: false, id, error: bad };
      break;
    }
    case 'cancelJob':
    case 'resumeJob':
      if (typeof o.jobId !== 'string' || o.jobId.length === 0) return { ok: false, id, error: `${o.op} needs "jobId"` };
      break;
    case 'analyze':
      if (typeof o.text !== 'string') return { ok: false, id, error: 'analyze needs "text"' };
      if (o.topK !== undefined && !(Number.isInteger(o.topK) && (o.topK as number) > 0 && (o.topK as number) <= 100)) {
        return { ok: false, id, error: '"topK" must be an integer in 1..100' };
      }
      break;
  }
  return { ok: true, req: m as WsRequest };
}

// ---------------------------------------------------------------------------------------------
// Webview <-> extension postMessage (the webview never talks to the daemon's stdio directly).

export type WebviewToExtension =
  /** webview -> extension: the page loaded and wants the ws endpoint. */
  | { type: 'ready' }
  /** webview -> extension: focus a feature in the active editor. */
  | { type: 'focusFeature'; feature: number }
  /** webview -> extension: open a file (results, SAE dir). */
  | { type: 'open'; path: string };

export type ExtensionToWebview =
  /** extension -> webview: where the daemon's ws API is and the token to present. */
  | { type: 'endpoint'; url: string; token: string }
  /** extension -> webview: the hovered token's features changed (feature browser marks them). */
  | { type: 'hoveredToken'; token: TokenFeatures };

// ---------------------------------------------------------------------------------------------
// Feature browser. Feature-store queries, served by the daemon over ws (same
// `id`/reply envelope as WsRequest) or relayed by the extension over postMessage. Pure handlers:
// server/src/api/feature-ops.ts. Kept as a separate union so the daemon's WsRequest stays as is.

export type FeatureSort = 'id' | 'density' | 'maxAct' | 'label';

export type FeatureRequest =
  /** any client -> daemon: one page of the (sorted, filtered) feature list, or all of it. */
  | {
      id: number;
      op: 'listFeatures';
      sort?: FeatureSort;
      /** Descending for density/maxAct by default. */
      descending?: boolean;
      minDensity?: number;
      /** Features denser than this are hidden (default 0.01 = 1% of tokens); 1 shows all. */
      maxDensity?: number;
      /** Matches "#123"/"123" (id), label substrings, or `token:<text>` (features firing on a token). */
      query?: string;
      offset?: number;
      limit?: number;
    }
  /** any client -> daemon: one feature's card with its context tokens as strings. */
  | { id: number; op: 'featureCard'; feature: number }
  /** any client -> daemon: set (or with '' clear) a feature's label; saved next to the store. */
  | { id: number; op: 'setLabel'; feature: number; label: string }
  /** any client -> daemon: import labels from a Neuronpedia-style explanations JSON file. */
  | { id: number; op: 'importLabels'; file: string };

export interface FeatureListRow {
  id: number;
  density: number;
  maxAct: number;
  label?: string;
}

/** listFeatures result: the rows in [offset, offset+limit) of `total` matches; columns, not objects, so 16k rows stay small. */
export interface FeatureListResult {
  total: number;
  dSae: number;
  offset: number;
  ids: number[];
  density: number[];
  maxAct: number[];
  /** Sparse: only labelled features appear. */
  labels: Record<string, string>;
}

export interface FeatureCardResult {
  id: number;
  label?: string;
  density: number;
  maxAct: number;
  hist: number[];
  histLog10Range: [number, number];
  /** Top activating contexts: token strings ('' outside the sequence), activations, centre index. */
  top: { value: number; tokens: string[]; acts: number[]; centre: number }[];
  /** Output tokens the decoder direction promotes / suppresses through the unembedding, when known. */
  promoted?: { token: string; logit: number }[];
  suppressed?: { token: string; logit: number }[];
}

const FEATURE_OPS = new Set(['listFeatures', 'featureCard', 'setLabel', 'importLabels']);
const FEATURE_SORTS = new Set<FeatureSort>(['id', 'density', 'maxAct', 'label']);

/** Validates a feature-browser message (already JSON-parsed); returns the typed request or why not. */
export function parseFeatureRequest(m: unknown): { ok: true; req: FeatureRequest } | { ok: false; id: number | null; error: string } {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { ok: false, id: null, error: 'message must be a JSON object' };
  const o = m as Record<string, unknown>;
  const id = typeof o.id === 'number' && Number.isInteger(o.id) ? o.id : null;
  if (id === null) return { ok: false, id: null, error: 'field "id" must be an integer' };
  if (typeof o.op !== 'string' || !FEATURE_OPS.has(o.op)) return { ok: false, id, error: `unknown op ${JSON.stringify(o.op)}` };
  const num = (k: string, lo: number, hi: number, int = false): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))) {
      return `"${k}" must be ${int ? 'an integer' : 'a number'} in ${lo}..${hi}`;
    }
    return undefined;
  };
  let err: string | undefined;
  switch (o.op) {
    case 'listFeatures':
      if (o.sort !== undefined && !FEATURE_SORTS.has(o.sort as FeatureSort)) err = `unknown sort ${JSON.stringify(o.sort)}`;
      err ??= num('minDensity', 0, 1) ?? num('maxDensity', 0, 1) ?? num('offset', 0, 2 ** 31, true) ?? num('limit', 1, 2 ** 31, true);
      if (!err && o.query !== undefined && typeof o.query !== 'string') err = '"query" must be a string';
      break;
    case 'featureCard':
      err = o.feature === undefined ? 'featureCard needs "feature"' : num('feature', 0, 2 ** 31, true);
      break;
    case 'setLabel':
      err = o.feature === undefined ? 'setLabel needs "feature"' : num('feature', 0, 2 ** 31, true);
      if (!err && typeof o.label !== 'string') err = 'setLabel needs "label" (a string)';
      break;
    case 'importLabels':
      if (typeof o.file !== 'string' || o.file.length === 0) err = 'importLabels needs "file"';
      break;
  }
  return err ? { ok: false, id, error: err } : { ok: true, req: o as unknown as FeatureRequest };
}

/** Envelope for ws-API requests relayed by the extension when the webview has no ws endpoint. */
export type RelayRequest = WsRequest | FeatureRequest;

export type WebviewRelayMessage =
  /** webview -> extension: run this ws-API request for me (same id/reply envelope as the ws API). */
  | { type: 'request'; req: RelayRequest }
  /** webview -> extension: load this SAE in the daemon (picked on the frontier). */
  | { type: 'loadSae'; path: string };

export type ExtensionRelayMessage =
  /** extension -> webview: the reply to a relayed request. */
  | { type: 'reply'; reply: WsReply }
  /** extension -> webview: a daemon push (job events), relayed. */
  | { type: 'push'; push: WsPush }
  /** extension -> webview: the SAE the daemon has loaded (highlighted on the frontier). */
  | { type: 'currentSae'; path: string | null };
