// The composition root: builds the daemon's one engine session, one feature-store registry, one job
// queue and (on demand) the ws server, and hands them to the two faces: the language server
// (lsp/, bound to an LSP connection) and the ws API (api/). Nothing else wires them; the faces only
// see the interfaces they are given (session/ports.ts, LspServerDeps, ApiBackend).
import type { Connection } from 'vscode-languageserver/node';
import type { ApiEndpointResult } from '../../protocol';
import { featureOpsFor, type FeatureOpsContext } from './api/feature-ops';
import { startWsServer, type WsServerHandle } from './api/ws-server';
import { DEFAULT_WS_HOST } from './defaults';
import { JobQueue } from './jobs/job-queue';
import { analyzeText } from './lsp/analyze-text';
import { bindLspConnection } from './lsp/lsp-connection';
import type { LspServerDeps } from './lsp/lsp-server';
import { EngineSession, defaultSaePath, type Engine } from './session/engine-session';
import { jobDefaultsContext, withJobDefaultsPort } from './session/job-defaults';
import type { JobsPort } from './session/ports';
import { FeatureStoreRegistry } from './session/feature-stores';
import { modelSearchOf, type DaemonSettings } from './session/settings';
import { FsPolicy } from './session/fs-policy';
import { BUNDLED_MODELS_DIR, modelsDir } from './engine/lm/models-dir';
import * as path from 'node:path';
import type { SteerParams, SteerResult } from '../../protocol';
import { documentSettings } from './lsp/document-settings';
import { runSteer } from './session/steering';
import { bundledFrontierPath } from './session/frontier-results';

export class Daemon {
  readonly stores = new FeatureStoreRegistry();
  readonly session = new EngineSession(
    this.stores,
    () => modelSearchOf(this.settings()),
    () => this.settings().denseFeatureThreshold,
  );
  private queue?: JobQueue;
  /** The queue as the faces see it: specs filled with the daemon's defaults (session/job-defaults.ts). */
  private jobs?: JobsPort;
  private ws?: Promise<WsServerHandle>;
  /** The feature-ops context of the current engine's store, rebuilt when either changes. */
  private ops?: { engine: Engine; store: object; ctx: FeatureOpsContext };

  /** Workspace folders (LSP: from initialize; ws mode: the folder it was started in) and `--allow` folders. */
  workspaceFolders: string[] = [];
  /** Where ws ops and job specs may read and write (session/fs-policy.ts). */
  readonly fsPolicy = new FsPolicy(() => {
    const s = this.settings();
    const raw = s as unknown as { jobs?: { corpus?: unknown }; modelsDir?: unknown };
    const chosen = [s.sae, ...Object.values(s.saes ?? {}), /[\\/]/.test(s.model) ? s.model : undefined];
    if (typeof raw.jobs?.corpus === 'string') chosen.push(raw.jobs.corpus);
    if (typeof raw.modelsDir === 'string') chosen.push(raw.modelsDir);
    const assets = defaultSaePath();
    return [...this.workspaceFolders, this.queue?.store.root, assets && path.dirname(assets), BUNDLED_MODELS_DIR, modelsDir(), ...chosen];
  });

  /** `settings`: what the ws `analyze` op analyses with (the LSP's settings, or the ws mode's flags). */
  constructor(private readonly settings: () => DaemonSettings) {}

  /** The job queue, opened in `runsDir` the first time. */
  openJobs(runsDir: string): JobsPort {
    if (this.jobs) return this.jobs;
    const q = new JobQueue(runsDir);
    this.stores.useRunsDir(runsDir);
    // A store built for an SAE is seen by the next hover and the feature browser.
    q.subscribe((ev) => {
      if (ev.type === 'state' && ev.job.state === 'done' && ev.job.spec.kind === 'featureStore') this.stores.invalidate(ev.job.spec.sae);
    });
    this.queue = q;
    const s = () => this.settings();
    return (this.jobs = withJobDefaultsPort(q, () => jobDefaultsContext({ ...s(), search: modelSearchOf(s()) }, defaultSaePath())));
  }

  /** The ws API over this daemon (started once; later calls get the same server). */
  startWs(opts: { host?: string; port?: number } = {}): Promise<WsServerHandle> {
    if (!this.jobs) throw new Error('the job queue must be opened before the ws API starts');
    const jobs = this.jobs;
    this.ws ??= startWsServer(
      {
        status: () => this.session.status(),
        analyze: (text, topK) => analyzeText(this.session, this.settings(), text, topK),
        jobs,
        features: () => this.featureOps(),
        fsPolicy: this.fsPolicy,
        steer: (p) => this.steerText(p),
        bundledFrontier: () => bundledFrontierPath(),
      },
      { host: opts.host ?? DEFAULT_WS_HOST, port: opts.port ?? 0 },
    );
    return this.ws;
  }

  /** The ws `steer` op: a text continued with the settings' engine, leased for the call. */
  async steerText(p: SteerParams): Promise<SteerResult> {
    const ds = documentSettings(this.settings(), {});
    const engine = await this.session.acquire(ds.engine);
    try {
      const ids = engine.model.tokenizer.encode(p.text ?? '', { bos: ds.bos }).map((t) => t.id);
      return runSteer(engine, ids, p);
    } finally {
      this.session.release(engine);
    }
  }

  async apiEndpoint(): Promise<ApiEndpointResult> {
    const h = await this.startWs();
    return { url: h.url, token: h.token };
  }

  /** Feature-browser queries over the current engine's feature store (the one hovers read). */
  featureOps(): FeatureOpsContext | undefined {
    const e = this.session.current();
    const store = e?.store;
    if (!e?.sae || !store) return undefined;
    if (this.ops?.engine !== e || this.ops.store !== store) this.ops = { engine: e, store, ctx: featureOpsFor(store, e.model, e.sae) };
    return this.ops.ctx;
  }

  /** What the language server is given: the session, this daemon's jobs and its ws endpoint. */
  lspDeps(): LspServerDeps {
    return { session: this.session, openJobs: (dir) => this.openJobs(dir), apiEndpoint: () => this.apiEndpoint() };
  }

  async dispose(): Promise<void> {
    await this.queue?.dispose();
    if (this.ws) await (await this.ws).close();
    this.session.dispose();
  }
}

/** The daemon as a language server on `connection` (the ws API starts when a client asks for it). */
export function startLanguageServer(connection: Connection): Daemon {
  let settings = (): DaemonSettings => {
    throw new Error('language server not initialised');
  };
  const daemon = new Daemon(() => settings());
  const server = bindLspConnection(
    connection,
    daemon.lspDeps(),
    () => daemon.dispose(),
    (folders) => (daemon.workspaceFolders = folders),
  );
  settings = () => server.settings;
  return daemon;
}
