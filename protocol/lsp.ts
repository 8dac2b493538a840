// The LSP extensions: each custom message a RequestType / NotificationType, so a method's params and
// result are tied to its name at both ends (vscode-eslint's customMessages.ts). Imports only
// vscode-jsonrpc's common (browser-safe) entry.
import type { JobCommandResult, JobEvent, JobInfo } from './jobs';
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { Range, StatusResult, TokenFeatures } from './tokens';
import { SteerMethod } from './steer';

/** Wire names of the LSP extensions. */
export const Methods = {
  tokenFeatures: 'jumplens/tokenFeatures',
  visibleRanges: 'jumplens/visibleRanges',
  setAnalyzed: 'jumplens/setAnalyzed',
  status: 'jumplens/status',
  statusChanged: 'jumplens/statusChanged',
  focusFeature: 'jumplens/focusFeature',
  listJobs: 'jumplens/listJobs',
  jobEvent: 'jumplens/jobEvent',
  apiEndpoint: 'jumplens/apiEndpoint',
  steer: SteerMethod,
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
  /** Steer: argument SteerParams (uri + position, or text); returns SteerResult (as `jumplens/steer`, for clients without custom requests). */
  steer: 'jumplens.steer',
} as const;

export interface TokenFeaturesParams {
  uri: string;
  /**
   * The version analysed. One a newer edit superseded is still sent when that edit leaves its
   * tokens' text as it was (typed after them): its ranges hold in the newer version too.
   */
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
  /**
   * What each token's `rel` divides by: each feature's max over the feature store's corpus, or,
   * with no store loaded, its max in this document. Absent when `tokens` is empty.
   */
  relativeTo?: RelativeTo;
}

/** Which max a token's `rel` (and so its colour) is relative to. */
export type RelativeTo = 'store' | 'document';

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

/** Reply to `jumplens/apiEndpoint`: the daemon's ws URL (loopback) and the token to present. */
export interface ApiEndpointResult {
  url: string;
  token: string;
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

/** daemon -> client: the features of every token of an analysed document, after each (debounced) change. */
export const TokenFeaturesNotification = new NotificationType<TokenFeaturesParams>(Methods.tokenFeatures);
/** client -> daemon: what an editor shows, so a document too long to analyse whole follows the view. */
export const VisibleRangesNotification = new NotificationType<VisibleRangesParams>(Methods.visibleRanges);
/** client -> daemon: turn analysis of a document on or off ("JumpLens: Analyze This Document"). */
export const SetAnalyzedRequest = new RequestType<SetAnalyzedParams, SetAnalyzedParams, void>(Methods.setAnalyzed);
/** client -> daemon: backend, model, SAE, memory and latency, for the status bar (per document with a uri). */
export const StatusRequest = new RequestType<StatusParams | undefined, StatusResult, void>(Methods.status);
/** daemon -> client: the status changed (model loaded, backend chosen, error); the client asks again. */
export const StatusChangedNotification = new NotificationType<StatusResult>(Methods.statusChanged);
/** client -> daemon: one feature's activations across a document ("Focus Feature"). */
export const FocusFeatureRequest = new RequestType<FocusFeatureParams, FocusFeatureResult, void>(Methods.focusFeature);
/** client -> daemon: every job the daemon knows (queued, running, finished, interrupted), for the jobs list. */
export const ListJobsRequest = new RequestType0<JobInfo[], void>(Methods.listJobs);
/** daemon -> client: a job's state or progress changed (mirrors the ws `jobEvent` push). */
export const JobEventNotification = new NotificationType<JobEvent>(Methods.jobEvent);
/** client -> daemon: the ws endpoint and token, so the extension can hand them to a webview. */
export const ApiEndpointRequest = new RequestType0<ApiEndpointResult, void>(Methods.apiEndpoint);

export type { JobCommandResult };

// ---- Token-feature deltas, semantic token levels, the jobs view (issue #13) ----

/** `initializationOptions[TOKEN_FEATURES_DELTA_OPTION] = true`: the client merges `delta` notifications. */
export const TOKEN_FEATURES_DELTA_OPTION = 'tokenFeaturesDelta';

/**
 * `initializationOptions[DRAWS_TOKEN_FEATURES_OPTION] = true`: the client colours tokens itself from
 * `jumplens/tokenFeatures` (the VS Code client's decorations), so the daemon offers it no semantic
 * tokens: their refresh after every analysis made the editor re-request and re-render them per keystroke.
 */
export const DRAWS_TOKEN_FEATURES_OPTION = 'drawsTokenFeatures';

/**
 * On a `jumplens/tokenFeatures` sent to a client that opted in: `tokens` then holds only the tokens
 * that replace `[start, start + deleteCount)` of the list the client holds for `baseVersion` (the
 * version of the previous notification for this uri). Without `delta`, `tokens` is the full list.
 * Sent by the daemon per analysis so a one-token edit of a 950-token file costs one token, not all.
 */
export interface TokenFeaturesDelta {
  baseVersion: number;
  start: number;
  deleteCount: number;
}

/** The tokenFeatures params as sent: full, or a delta for clients that opted in. */
export type TokenFeaturesMessage = TokenFeaturesParams & { delta?: TokenFeaturesDelta };

/**
 * Semantic token types, one per activation level: the token's strongest feature relative to that
 * feature's max (rel) in five bands, level i covering [i/5, (i+1)/5). Tokens where nothing fires get
 * no semantic token. Neovim styles them with `@lsp.type.jumplensLevel<i>` highlight groups.
 */
export const SEMANTIC_TOKEN_LEVELS = 5;
export const SEMANTIC_TOKEN_TYPES: readonly string[] = Array.from({ length: SEMANTIC_TOKEN_LEVELS }, (_, i) => `jumplensLevel${i}`);

/** One job as any LSP client shows it (`jumplens/jobs`). */
export interface JobSummary {
  id: string;
  kind: JobInfo['spec']['kind'];
  state: JobInfo['state'];
  /** The same text the job's `$/progress` end carries (state, main metrics, output path). */
  outcome: string;
  /** The run folder the job writes (its SAE, curves, results). */
  outputPath: string;
  createdAt: string;
}

/** `jumplens/jobs`: every job the daemon knows, newest last. Any client (Neovim, Helix) can list results with it. */
export const JobsMethod = 'jumplens/jobs';
export const JobsRequest = new RequestType0<JobSummary[], void>(JobsMethod);
