// The models, SAEs and feature stores the daemon's analysis uses. Each document names an engine
// (model + SAE + hook: the settings, or its own `.jlp` directives); engines are loaded once, shared
// by every document that names them, and held by leases. A model is loaded once however many
// engines use it (one Gemma 2 under three SAEs is one Gemma 2 in memory). An engine no document
// holds stays loaded while it is among the MAX_IDLE most recently used, so closing and reopening a
// file, or switching `@model` back, does not reload. Loading is lazy (first analysed document) so an
// editor starts the daemon at no cost.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend, type BackendReport } from '../engine/backend';
import { loadModel, resolveModelPath } from '../engine/lm/load-model';
import type { ModelSearch } from '../engine/lm/models-dir';
import type { LanguageModel } from '../engine/lm/types';
import { loadSae } from '../engine/sae/io';
import type { Sae } from '../engine/sae/types';
import type { FeatureStore } from '../engine/features/feature-store';
import { tf } from '../engine/tf';
import type { StatusResult } from '../../../protocol';
import { FeatureStoreRegistry } from './feature-stores';
import { DEFAULT_DENSE_FEATURE_THRESHOLD } from '../defaults';

/** What a document analyses with. `sae: null` means no SAE (tokens only). */
export interface EngineSpec {
  model: string;
  sae: string | null;
  /** Hook to encode; unset = the SAE's own hook name. */
  hook?: string;
}

export interface Engine {
  model: LanguageModel;
  modelPath: string;
  sae?: Sae;
  saePath?: string;
  hook: string;
  /** The SAE's feature store (the registry's, so every reader sees the same labels). */
  readonly store?: FeatureStore;
  /** jumplens.denseFeatureThreshold: features denser than this (store density) are not ranked. */
  readonly denseThreshold: number;
}

/** Which part of an EngineSpec failed to load, so an editor can point at the setting or directive. */
export type EnginePart = 'model' | 'sae' | 'hook';

export class EngineLoadError extends Error {
  constructor(
    readonly part: EnginePart,
    message: string,
  ) {
    super(message);
  }

  /** `e` (whatever a loader threw) as the failure of `part`, keeping its message. */
  static wrap(part: EnginePart, e: unknown): EngineLoadError {
    return e instanceof EngineLoadError ? e : new EngineLoadError(part, e instanceof Error ? e.message : String(e));
  }
}

/** Unused engines kept loaded. */
const MAX_IDLE = 1;
/** A failed load is not retried for this long (every keystroke would re-read a corrupt file). */
const RETRY_AFTER_MS = 5000;

interface Entry {
  promise: Promise<Engine>;
  engine?: Engine;
  refs: number;
  lastUsed: number;
  failure?: { error: unknown; at: number };
}

export function engineKey(spec: EngineSpec): string {
  return JSON.stringify([spec.model, spec.sae, spec.hook ?? '']);
}

export class EngineSession {
  private readonly entries = new Map<string, Entry>();
  private readonly models = new Map<string, { promise: Promise<LanguageModel>; refs: number }>();
  private backend?: BackendReport;
  /** The engine of the most recent analysis: what the feature browser and a uri-less status show. */
  private recent?: Engine;
  /** The last load error, cleared by the next successful load. */
  error?: string;
  lastLatencyMs?: number;

  /** `search`: where model names are looked up besides the bundled models (the editor's settings and workspace). */
  constructor(
    readonly stores: FeatureStoreRegistry = new FeatureStoreRegistry(),
    private readonly search: () => ModelSearch = () => ({}),
    private readonly denseThreshold: () => number = () => DEFAULT_DENSE_FEATURE_THRESHOLD,
  ) {}

  /** Loads (or shares) the engine for `spec` and holds it until `release`. Throws EngineLoadError. */
  async acquire(spec: EngineSpec): Promise<Engine> {
    // Keyed by the file the name resolves to now, so a changed jumplens.modelsDir loads the other file.
    let resolved = spec;
    try {
      resolved = { ...spec, model: resolveModelPath(spec.model, this.search()) };
    } catch {}
    const key = engineKey(resolved);
    let e = this.entries.get(key);
    if (e?.failure && performance.now() - e.failure.at >= RETRY_AFTER_MS) {
      this.entries.delete(key);
      e = undefined;
    }
    if (!e) {
      const entry: Entry = { promise: this.load(spec), refs: 0, lastUsed: performance.now() };
      entry.promise.then(
        (engine) => {
          entry.engine = engine;
          this.error = undefined;
        },
        (error: unknown) => {
          entry.failure = { error, at: performance.now() };
          this.error = error instanceof Error ? error.message : String(error);
        },
      );
      this.entries.set(key, (e = entry));
    }
    // Counted before the await, so an engine being loaded for this caller is never evicted.
    e.refs++;
    try {
      const engine = await e.promise;
      e.lastUsed = performance.now();
      this.recent = engine;
      return engine;
    } catch (err) {
      e.refs--;
      throw err;
    }
  }

  /** One more hold on a loaded engine, released by `release`; false when it is no longer loaded. */
  retain(engine: Engine): boolean {
    const e = this.entryOf(engine);
    if (e) e.refs++;
    return e !== undefined;
  }

  release(engine: Engine): void {
    const e = this.entryOf(engine);
    if (e) e.refs = Math.max(0, e.refs - 1);
    this.evictIdle();
  }

  private entryOf(engine: Engine) {
    for (const e of this.entries.values()) if (e.engine === engine) return e;
    return undefined;
  }

  /** Retry failed loads on the next request (the user saved a file or changed settings). */
  forgetFailures(): void {
    for (const [k, e] of this.entries) if (e.failure) this.entries.delete(k);
  }

  private evictIdle(): void {
    const idle = [...this.entries].filter(([, e]) => e.engine && e.refs === 0).sort((a, b) => b[1].lastUsed - a[1].lastUsed);
    for (const [k, e] of idle.slice(MAX_IDLE)) {
      this.entries.delete(k);
      if (this.recent === e.engine) this.recent = undefined;
      this.disposeEngine(e.engine!);
    }
  }

  private async load(spec: EngineSpec): Promise<Engine> {
    this.backend = await initBackend();
    const { model, modelPath } = await this.acquireModel(spec.model);
    let sae: Sae | undefined;
    try {
      if (spec.sae !== null) {
        const saePath = spec.sae;
        sae = await loadSae(saePath).catch((e: unknown) => {
          throw EngineLoadError.wrap('sae', e);
        });
        if (sae.dIn !== model.config.dModel) {
          throw new EngineLoadError(
            'sae',
            `${saePath}: SAE d_in ${sae.dIn} does not match model ${model.config.name} d_model ${model.config.dModel} (set an SAE trained on this model, or none)`,
          );
        }
      }
      const hook = spec.hook || sae?.hookName || `blocks.${Math.max(0, model.config.nLayers - 1)}.hook_resid_post`;
      if (!model.hookNames().includes(hook)) {
        throw new EngineLoadError('hook', `hook ${hook} does not exist in ${model.config.name} (hooks: ${model.hookNames().slice(0, 4).join(', ')}, ...)`);
      }
      const saePath = spec.sae ?? undefined;
      const stores = this.stores;
      const dense = this.denseThreshold;
      return {
        model,
        modelPath,
        sae,
        saePath,
        hook,
        get store() {
          return saePath ? stores.forSae(saePath) : undefined;
        },
        get denseThreshold() {
          return dense();
        },
      };
    } catch (e) {
      sae?.dispose();
      this.releaseModel(modelPath);
      throw e;
    }
  }

  private async acquireModel(name: string): Promise<{ model: LanguageModel; modelPath: string }> {
    let modelPath: string;
    try {
      modelPath = resolveModelPath(name, this.search());
    } catch (e) {
      throw EngineLoadError.wrap('model', e);
    }
    let m = this.models.get(modelPath);
    if (!m) {
      const entry = { promise: loadModel(modelPath), refs: 0 };
      this.models.set(modelPath, (m = entry));
      entry.promise.catch(() => this.models.get(modelPath) === entry && this.models.delete(modelPath));
    }
    m.refs++;
    try {
      return { model: await m.promise, modelPath };
    } catch (e) {
      m.refs--;
      throw EngineLoadError.wrap('model', e);
    }
  }

  private releaseModel(modelPath: string): void {
    const m = this.models.get(modelPath);
    if (!m || --m.refs > 0) return;
    this.models.delete(modelPath);
    void m.promise.then(
      (model) => model.dispose(),
      () => undefined,
    );
  }

  private disposeEngine(e: Engine): void {
    e.sae?.dispose();
    this.releaseModel(e.modelPath);
  }

  /** The engine of the most recent analysis: what the feature browser and a uri-less status show. */
  current(): Engine | undefined {
    return this.recent;
  }

  /** Status of `engine` (default: the current one) with `error` (default: the last load error). */
  status(engine: Engine | undefined = this.recent, error: string | undefined = this.error): StatusResult {
    // tf.memory() throws while no backend is initialised (the client asks for status right away).
    const m = this.backend ? tf.memory() : { numTensors: 0, numBytes: 0 };
    const e = engine;
    return {
      backend: this.backend
        ? { kind: this.backend.kind, label: this.backend.label, detail: `${this.backend.pkg}@${this.backend.version}` }
        : { kind: 'none', label: 'not started', detail: 'the backend starts with the first analysed document' },
      model: e ? { path: e.modelPath, name: e.model.config.name, dModel: e.model.config.dModel, nLayers: e.model.config.nLayers } : undefined,
      sae: e?.sae ? { path: e.saePath ?? '', architecture: e.sae.architecture, dSae: e.sae.dSae, hook: e.hook } : undefined,
      memory: { numTensors: m.numTensors, numBytes: m.numBytes },
      lastLatencyMs: this.lastLatencyMs,
      error,
    };
  }

  dispose(): void {
    for (const e of this.entries.values()) if (e.engine) this.disposeEngine(e.engine);
    this.entries.clear();
    this.recent = undefined;
  }
}

/** The SAE shipped in assets/default-sae (trained on stories260K), from sources or the bundle. */
export function defaultSaePath(): string | undefined {
  for (const up of [
    ['..', '..', '..'],
    ['..', '..'],
  ]) {
    const dir = path.resolve(__dirname, ...up, 'assets', 'default-sae');
    if (existsSync(path.join(dir, 'cfg.json'))) return dir;
  }
  return undefined;
}
