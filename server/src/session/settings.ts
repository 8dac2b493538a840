// The `jumplens` settings section, read through `workspace/configuration` (VS Code) or sent as
// `initializationOptions` with the same keys (Neovim, Helix, Emacs). The ws mode builds the same
// object from its command-line flags.
import { DEFAULT_DEBOUNCE_MS, DEFAULT_DENSE_FEATURE_THRESHOLD, DEFAULT_LANGUAGES, DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_TOP_K } from '../defaults';
import type { ModelSearch } from '../engine/lm/models-dir';
export interface DaemonSettings {
  /** Model path or name, resolved against the models folder. */
  model: string;
  /** SAE folder (or .npz); unset = the bundled assets/default-sae. */
  sae?: string;
  /** SAE folder per hook name; used for documents analysed at that hook (settings or `@hook`), over `sae`. */
  saes?: Record<string, string>;
  /** Hook to encode; defaults to the SAE's own hook name. */
  hook?: string;
  topK: number;
  /** Language ids analysed without being turned on explicitly. */
  languages: string[];
  maxTokens: number;
  inlayHints: { enabled: boolean; minActivation: number };
  /** Quiet time after a keystroke before re-encoding. */
  debounceMs: number;
  /** jumplens.modelsDir: a folder model names are looked up in (after the bundled models). */
  modelsDir?: string;
  /** The editor's workspace folders (from LSP initialize): model names are looked up there too. */
  workspaceFolders: string[];
  /** Features denser than this (store density) do not colour tokens or rank in hovers. */
  denseFeatureThreshold: number;
  /** jumplens.jobs.corpus: the corpus jobs read when their spec names none (unset: the bundled sample). */
  jobsCorpus?: string;
}

export const DEFAULT_SETTINGS: DaemonSettings = {
  model: DEFAULT_MODEL,
  topK: DEFAULT_TOP_K,
  languages: [...DEFAULT_LANGUAGES],
  maxTokens: DEFAULT_MAX_TOKENS,
  inlayHints: { enabled: false, minActivation: 1 },
  debounceMs: DEFAULT_DEBOUNCE_MS,
  workspaceFolders: [],
  denseFeatureThreshold: DEFAULT_DENSE_FEATURE_THRESHOLD,
};

/** Where model names are looked up, from the settings (the resolver adds the bundled models and JUMPLENS_MODELS). */
export function modelSearchOf(s: DaemonSettings): ModelSearch {
  return { modelsDir: s.modelsDir, workspaceFolders: s.workspaceFolders };
}

/** Merges a partial settings object from the client over the defaults, ignoring wrong types. */
export function mergeSettings(base: DaemonSettings, raw: unknown): DaemonSettings {
  if (!raw || typeof raw !== 'object') return base;
  const o = raw as Record<string, unknown>;
  const s: DaemonSettings = { ...base, inlayHints: { ...base.inlayHints } };
  if (typeof o.model === 'string' && o.model) s.model = o.model;
  if (typeof o.sae === 'string') s.sae = o.sae || undefined;
  if (o.saes && typeof o.saes === 'object' && !Array.isArray(o.saes)) {
    s.saes = Object.fromEntries(Object.entries(o.saes).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  }
  if (typeof o.hook === 'string') s.hook = o.hook || undefined;
  if (Number.isInteger(o.topK) && (o.topK as number) > 0) s.topK = Math.min(100, o.topK as number);
  if (Array.isArray(o.languages)) s.languages = o.languages.filter((x): x is string => typeof x === 'string');
  if (Number.isInteger(o.maxTokens) && (o.maxTokens as number) > 1) s.maxTokens = o.maxTokens as number;
  if (typeof o.debounceMs === 'number' && o.debounceMs >= 0) s.debounceMs = o.debounceMs;
  if (typeof o.modelsDir === 'string') s.modelsDir = o.modelsDir || undefined;
  if (Array.isArray(o.workspaceFolders)) s.workspaceFolders = o.workspaceFolders.filter((x): x is string => typeof x === 'string' && x !== '');
  if (typeof o.denseFeatureThreshold === 'number' && o.denseFeatureThreshold > 0 && o.denseFeatureThreshold <= 1)
    s.denseFeatureThreshold = o.denseFeatureThreshold;
  const jobs = o.jobs as Record<string, unknown> | undefined;
  if (jobs && typeof jobs === 'object' && typeof jobs.corpus === 'string') s.jobsCorpus = jobs.corpus || undefined;
  const ih = o.inlayHints as Record<string, unknown> | undefined;
  if (ih && typeof ih === 'object') {
    if (typeof ih.enabled === 'boolean') s.inlayHints.enabled = ih.enabled;
    if (typeof ih.minActivation === 'number') s.inlayHints.minActivation = ih.minActivation;
  }
  return s;
}
