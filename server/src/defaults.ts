// Every default the daemon, its jobs and the `jumplens daemon` command share: one source, so the
// LSP settings, the ws mode and the job runner cannot drift apart. Plain constants, no imports.

/** The language model analysed when nothing else is set (resolved against the models folder). */
export const DEFAULT_MODEL = 'stories260K.bin';
/** Tokens an eval, threshold-sweep or feature-store job reads from its corpus unless told. */
export const DEFAULT_JOB_TOKENS = 20_000;
/** Threshold scales a sweep job tries unless told. */
export const DEFAULT_SWEEP_SCALES: readonly number[] = [0.5, 0.75, 1, 1.5, 2];
/** The ws API binds loopback unless the user opts in to a remote address. */
export const DEFAULT_WS_HOST = '127.0.0.1';
/** Run folders live in `<workspace>/.jumplens/runs/<id>/`. */
export const RUNS_SUBDIR = ['.jumplens', 'runs'] as const;
/** Features per token sent to the editor. */
export const DEFAULT_TOP_K = 5;
/** Covers a full editor view of prose (~1,000 tokens) even when it straddles two context-sized chunks. */
export const DEFAULT_MAX_TOKENS = 2048;
/**
 * Quiet time after a keystroke before re-encoding. 0: changes in the same tick still coalesce, a
 * newer version aborts an older one's analysis, and typing at the end costs one or two positions
 * (KV cache); a 50 ms wait was most of the daemon's share of keystroke → colour (bench: editor-typing).
 */
export const DEFAULT_DEBOUNCE_MS = 0;
/** Language ids analysed without being turned on explicitly. */
export const DEFAULT_LANGUAGES: readonly string[] = ['jumplens-prompt'];
/**
 * Features firing on more than this fraction of the store's tokens are left out of colouring and
 * hover ranking (Neuronpedia hides dense features the same way): one feature at ~100% density
 * otherwise wins nearly every token. `jumplens.denseFeatureThreshold`; 1 turns the filter off.
 */
export const DEFAULT_DENSE_FEATURE_THRESHOLD = 0.01;
/** The corpus shipped in the package (a TinyStories sample), for jobs given none; relative to the package root. */
export const BUNDLED_CORPUS = ['assets', 'corpus', 'tinystories-train-700-999.json'] as const;
/**
 * The reference frontier shipped in the package (relative to the package root): scripts/build.mjs
 * copies it there from FRONTIER_RESULTS_DIR, where `jumplens sweep` writes it, so the .vsix carries it.
 */
export const BUNDLED_FRONTIER = ['assets', 'frontier', 'frontier.json'] as const;
/** Where the reference sweep's results are committed; a source checkout reads them there before a build. */
export const FRONTIER_RESULTS_DIR = ['docs', 'results', 'frontier'] as const;
