// The language server: one method per LSP handler, over documents it keeps itself (full and
// incremental sync), an AnalysisScheduler that analyses them, and the session, jobs and ws endpoint
// the composition root (server/src/daemon.ts) hands it. lsp-connection.ts binds it to a connection;
// tests call its methods directly.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TextDocumentSyncKind,
  type CompletionItem,
  type CompletionParams,
  type DidChangeConfigurationParams,
  type DidChangeTextDocumentParams,
  type DidCloseTextDocumentParams,
  type DidOpenTextDocumentParams,
  type ExecuteCommandParams,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type InlayHint,
  type InlayHintParams,
  type SemanticTokens,
  type SemanticTokensDelta,
  type SemanticTokensDeltaParams,
  type SemanticTokensParams,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  Commands,
  JobEventNotification,
  type ApiEndpointResult,
  type FocusFeatureParams,
  type FocusFeatureResult,
  type JobCommandResult,
  type JobInfo,
  type SetAnalyzedParams,
  type StatusParams,
  type StatusResult,
  type SteerParams,
  type SteerResult,
  type TokenFeatures,
  type VisibleRangesParams,
} from '../../../protocol';
import { RUNS_SUBDIR } from '../defaults';
import type { EngineSession } from '../session/engine-session';
import type { JobsPort } from '../session/ports';
import { DEFAULT_SETTINGS, mergeSettings, type DaemonSettings } from '../session/settings';
import { AnalysisScheduler, PROMPT_LANGUAGE, lineText, type DocState } from './analysis-scheduler';
import { round } from './document-analysis';
import { directiveCompletions, directiveHover } from './directive-help';
import { tokenHoverMarkdown } from './token-hover';
import { JobCommands } from './job-commands';
import { SteerParamsSchema } from '../../../protocol';
import { runSteer, withFileInterventions } from '../session/steering';
import { promptTextBefore } from './steer-prompt';
import type { LspClient } from './lsp-client';
import { InlayHintRegistration } from './inlay-hint-registration';
import {
  DRAWS_TOKEN_FEATURES_OPTION,
  TOKEN_FEATURES_DELTA_OPTION,
  TokenFeaturesNotification,
  jobOutcome,
  type JobSummary,
  type TokenFeaturesParams,
} from '../../../protocol';
import { SEMANTIC_TOKENS_LEGEND, SemanticTokensCache, encodeSemanticTokens } from './semantic-tokens';
import { TokenDeltaEncoder } from './token-delta';

/** What the composition root gives the language server. */
export interface LspServerDeps {
  session: EngineSession;
  /** The daemon's job queue, opened in `runsDir` (the workspace's, known at initialize). */
  openJobs(runsDir: string): JobsPort;
  /** Starts the ws API (once) and says where it listens. */
  apiEndpoint(): Promise<ApiEndpointResult>;
}

export class LspServer {
  private readonly documents = new Map<string, TextDocument>();
  private readonly analysis: AnalysisScheduler;
  private readonly jobCommands: JobCommands;
  private jobs?: JobsPort;
  private initOptions: unknown;
  private hasConfiguration = false;
  settings: DaemonSettings = DEFAULT_SETTINGS;
  // Issue #13: per-keystroke deltas, semantic tokens and refreshes for plain LSP clients.
  private readonly tokenDeltas = new TokenDeltaEncoder();
  private readonly semanticTokenResults = new SemanticTokensCache();
  private sendDeltas = false;
  private refreshSemanticTokens = false;
  private refreshInlayHints = false;
  private inlayHints?: InlayHintRegistration;

  constructor(
    private readonly client: LspClient,
    private readonly deps: LspServerDeps,
  ) {
    this.analysis = new AnalysisScheduler(deps.session, this.analysisClient(), this.documents, () => this.settings);
    this.jobCommands = new JobCommands(() => this.jobs, client);
  }

  initialize(params: InitializeParams): InitializeResult {
    // The workspace folders travel with the options, so every settings refresh keeps them (model lookup).
    const folders = (params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri }] : []))
      .map((f) => f.uri)
      .filter((u) => u.startsWith('file:'))
      .map((u) => fileURLToPath(u));
    this.initOptions = { ...((params.initializationOptions as object | null) ?? {}), workspaceFolders: folders };
    this.settings = mergeSettings(DEFAULT_SETTINGS, this.initOptions);
    this.hasConfiguration = params.capabilities.workspace?.configuration === true;
    this.sendDeltas = (this.initOptions as Record<string, unknown> | undefined)?.[TOKEN_FEATURES_DELTA_OPTION] === true;
    const drawsTokens = (this.initOptions as Record<string, unknown> | undefined)?.[DRAWS_TOKEN_FEATURES_OPTION] === true;
    this.refreshSemanticTokens = !drawsTokens && params.capabilities.workspace?.semanticTokens?.refreshSupport === true;
    this.refreshInlayHints = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
    this.inlayHints = new InlayHintRegistration(this.client, params.capabilities, () => this.settings.inlayHints.enabled);
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    const io = (this.initOptions ?? {}) as { runsDir?: string };
    const base = root?.startsWith('file:') ? fileURLToPath(root) : process.cwd();
    this.jobs = this.deps.openJobs(io.runsDir ?? path.join(base, ...RUNS_SUBDIR));
    this.jobs.subscribe((ev) => this.client.notify(JobEventNotification, ev));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        // Where the client registers providers at run time, only while jumplens.inlayHints.enabled (inlay-hint-registration.ts).
        inlayHintProvider: !this.inlayHints.atRunTime,
        ...(drawsTokens ? {} : { semanticTokensProvider: { legend: SEMANTIC_TOKENS_LEGEND, full: { delta: true }, range: false } }),
        completionProvider: { triggerCharacters: ['@'] },
        executeCommandProvider: { commands: Object.values(Commands) },
      },
      serverInfo: { name: 'jumplens', version: '0.1.0' },
    };
  }

  async initialized(): Promise<void> {
    if (this.hasConfiguration) await this.refreshSettings();
    else await this.inlayHints?.sync();
  }

  async didChangeConfiguration(p: DidChangeConfigurationParams): Promise<void> {
    if (!this.hasConfiguration) this.settings = mergeSettings(this.settings, (p.settings as { jumplens?: unknown } | undefined)?.jumplens);
    await this.refreshSettings();
  }

  private async refreshSettings(): Promise<void> {
    if (this.hasConfiguration) this.settings = mergeSettings(mergeSettings(DEFAULT_SETTINGS, this.initOptions), await this.client.configuration('jumplens'));
    this.deps.session.forgetFailures();
    this.analysis.rescheduleAll(this.documents.values());
    await this.inlayHints?.sync();
  }

  didOpen(p: DidOpenTextDocumentParams): void {
    const { uri, languageId, version, text } = p.textDocument;
    const doc = TextDocument.create(uri, languageId, version, text);
    this.documents.set(uri, doc);
    this.analysis.open(doc);
  }

  didChange(p: DidChangeTextDocumentParams): void {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc) return;
    TextDocument.update(doc, p.contentChanges, p.textDocument.version);
    this.analysis.schedule(doc);
  }

  didClose(p: DidCloseTextDocumentParams): void {
    this.documents.delete(p.textDocument.uri);
    this.tokenDeltas.forget(p.textDocument.uri);
    this.semanticTokenResults.forget(p.textDocument.uri);
    this.analysis.close(p.textDocument.uri);
  }

  didSave(): void {
    this.deps.session.forgetFailures();
  }

  /** The analysed token under `pos` in the document's current version, after pending analysis. */
  private async tokenAt(uri: string, pos: { line: number; character: number }): Promise<{ t: TokenFeatures; i: number; st: DocState } | undefined> {
    const doc = this.documents.get(uri);
    if (!doc || !this.analysis.isAnalyzed(doc)) return undefined;
    await this.analysis.flush(uri);
    const st = this.analysis.get(uri);
    const last = st?.analysis?.last;
    if (!st || !last || last.version !== doc.version) return undefined;
    const i = st.analysis!.tokenAt(doc.offsetAt(pos));
    return i >= 0 ? { t: last.tokens[i], i, st } : undefined;
  }

  completion(p: CompletionParams): CompletionItem[] {
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc || doc.languageId !== PROMPT_LANGUAGE) return [];
    return directiveCompletions(lineText(doc, p.position.line), p.position, this.analysis.get(doc.uri)?.engine?.model.hookNames() ?? []);
  }

  async hover(p: HoverParams): Promise<Hover | null> {
    const doc = this.documents.get(p.textDocument.uri);
    if (doc?.languageId === PROMPT_LANGUAGE) {
      const line = lineText(doc, p.position.line);
      if (line.startsWith('@')) {
        await this.analysis.flush(doc.uri);
        const st = this.analysis.get(doc.uri);
        const md = st?.settings && directiveHover(line, st.settings, st.engine);
        if (md) return { contents: { kind: 'markdown', value: md } };
      }
    }
    const hit = await this.tokenAt(p.textDocument.uri, p.position);
    const e = hit?.st.analysis?.engine;
    if (!hit || !e) return null;
    return {
      contents: { kind: 'markdown', value: tokenHoverMarkdown(hit.t, hit.i, hit.st.analysis!) },
      range: hit.t.range,
    };
  }

  async inlayHint(p: InlayHintParams): Promise<InlayHint[]> {
    const { inlayHints } = this.settings;
    if (!inlayHints.enabled) return [];
    const doc = this.documents.get(p.textDocument.uri);
    if (!doc || !this.analysis.isAnalyzed(doc)) return [];
    await this.analysis.flush(doc.uri);
    const last = this.analysis.get(doc.uri)?.analysis?.last;
    if (!last || last.version !== doc.version) return [];
    const lo = doc.offsetAt(p.range.start);
    const hi = doc.offsetAt(p.range.end);
    const store = this.analysis.get(doc.uri)?.analysis?.engine.store;
    const hints: InlayHint[] = [];
    for (const t of last.tokens) {
      if (t.max < inlayHints.minActivation || t.top.length === 0) continue;
      const off = doc.offsetAt(t.range.end);
      if (off < lo || off > hi) continue;
      const f = t.top[0];
      const label = store?.label(f.id) ?? f.label;
      hints.push({ position: t.range.end, label: `#${f.id}${label ? ` ${label}` : ''}`, paddingLeft: true, tooltip: `feature ${f.id}: ${f.act.toFixed(3)}` });
    }
    return hints;
  }

  setAnalyzed(p: SetAnalyzedParams): SetAnalyzedParams {
    this.analysis.toggled.set(p.uri, p.analyzed);
    const doc = this.documents.get(p.uri);
    if (doc) this.analysis.schedule(doc, 0);
    return { uri: p.uri, analyzed: p.analyzed };
  }

  // A document analysed in part follows the view: when the editor shows text outside the analysed
  // part, analyse around the middle of what it shows (the plan keeps a window the view stays inside).
  visibleRanges(p: VisibleRangesParams): void {
    const doc = this.documents.get(p.uri);
    const st = this.analysis.get(p.uri);
    const partial = st?.analysis?.last?.partial;
    if (!doc || !st || !partial || p.ranges.length === 0) return;
    const lo = doc.offsetAt(p.ranges[0].start);
    const hi = doc.offsetAt(p.ranges[p.ranges.length - 1].end);
    if (lo >= doc.offsetAt(partial.range.start) && hi <= doc.offsetAt(partial.range.end)) return;
    const mid = Math.floor((lo + hi) / 2);
    const at = `${doc.version}:${mid}`;
    if (st.viewAt === at) return;
    st.viewAt = at;
    st.view = [lo, hi];
    st.focus = mid;
    this.analysis.schedule(doc, 0);
  }

  /** Resolves when no engine warm-up is under way (lsp/engine-warmup.ts); how many keystrokes the last one typed. */
  warmedUp(): Promise<number> {
    return this.analysis.warmedUp();
  }

  status(p?: StatusParams): StatusResult {
    const st = p?.uri ? this.analysis.get(p.uri) : undefined;
    return st && (st.engine || st.error) ? this.deps.session.status(st.engine, st.error) : this.deps.session.status();
  }

  async focusFeature(p: FocusFeatureParams): Promise<FocusFeatureResult> {
    await this.analysis.flush(p.uri);
    const analysis = this.analysis.get(p.uri)?.analysis;
    const store = analysis?.engine.store;
    const last = analysis?.last?.tokens ?? [];
    // The feature's own activation on every token: the top-k lists leave out dense features and
    // those ranking below k, which read 0 there.
    const acts = analysis && last.length > 0 ? await analysis.featureActs(p.feature) : undefined;
    const tokens = last.map((t, i) => ({ range: t.range, act: round(acts?.[i] ?? 0) }));
    const docMax = Math.max(0, ...tokens.map((t) => t.act));
    const scale = store?.maxAct[p.feature] ?? docMax;
    return { feature: p.feature, label: store?.label(p.feature), scale, tokens };
  }

  listJobs(): JobInfo[] {
    return this.jobs?.list() ?? [];
  }

  apiEndpoint(): Promise<ApiEndpointResult> {
    return this.deps.apiEndpoint();
  }

  executeCommand(p: ExecuteCommandParams): Promise<JobCommandResult> {
    return this.jobCommands.execute(p);
  }

  // ---- Issue #13: semantic tokens, deltas, refreshes, jobs for any client ----

  /**
   * The client the scheduler sends through: each analysis's tokenFeatures goes out as a delta to
   * clients that opted in, and tells clients that can refresh to re-ask for semantic tokens and
   * inlay hints (their first request may have come before the analysis landed).
   */
  private analysisClient(): LspClient {
    const c = this.client;
    return {
      ...c,
      notify: (type, params) => {
        if (type.method !== TokenFeaturesNotification.method) return c.notify(type, params);
        const p = params as unknown as TokenFeaturesParams;
        c.notify(TokenFeaturesNotification, this.sendDeltas ? this.tokenDeltas.encode(p) : p);
        if (this.refreshSemanticTokens) c.refresh?.('semanticTokens');
        // Hints are off by default (jumplens.inlayHints.enabled): no refresh, no re-request per keystroke.
        if (this.refreshInlayHints && this.settings.inlayHints.enabled) c.refresh?.('inlayHint');
      },
    };
  }

  /** The analysed tokens of the document's current version, after pending analysis; undefined if none yet. */
  private async currentTokens(uri: string) {
    const doc = this.documents.get(uri);
    if (!doc || !this.analysis.isAnalyzed(doc)) return undefined;
    await this.analysis.flush(uri);
    const last = this.analysis.get(uri)?.analysis?.last;
    return last && last.version === doc.version ? { doc, tokens: last.tokens } : undefined;
  }

  private async semanticData(uri: string): Promise<number[]> {
    const cur = await this.currentTokens(uri);
    if (!cur) return [];
    const lines = cur.doc.getText().split(/\r?\n/);
    return encodeSemanticTokens(cur.tokens, (l) => lines[l]?.length ?? 0);
  }

  async semanticTokensFull(p: SemanticTokensParams): Promise<SemanticTokens> {
    return this.semanticTokenResults.full(p.textDocument.uri, await this.semanticData(p.textDocument.uri));
  }

  async semanticTokensDelta(p: SemanticTokensDeltaParams): Promise<SemanticTokens | SemanticTokensDelta> {
    return this.semanticTokenResults.delta(p.textDocument.uri, p.previousResultId, await this.semanticData(p.textDocument.uri));
  }

  /** `jumplens/jobs`: each job's state, outcome (as its `$/progress` end says it) and output folder. */
  jobSummaries(): JobSummary[] {
    return this.listJobs().map((j) => ({ id: j.id, kind: j.spec.kind, state: j.state, outcome: jobOutcome(j), outputPath: j.dir, createdAt: j.createdAt }));
  }

  // --- steering (issue #15) ---
  /** `workspace/executeCommand` Commands.steer (Neovim): the same as `jumplens/steer`, params as the first argument. */
  executeSteer(p: ExecuteCommandParams): Promise<SteerResult> {
    return this.steer(p.arguments?.[0] as SteerParams);
  }

  /** `jumplens/steer`: continue the prompt up to the cursor with the document's engine, unsteered and steered. */
  async steer(raw: SteerParams): Promise<SteerResult> {
    const parsed = SteerParamsSchema.safeParse(raw);
    if (!parsed.success) throw new Error(parsed.error.issues[0].message);
    const p = parsed.data as SteerParams;
    if (p.uri === undefined || p.position === undefined) throw new Error('jumplens/steer needs "uri" and "position" (the ws op `steer` takes a plain "text")');
    const doc = this.documents.get(p.uri);
    if (!doc) throw new Error(`steer: ${p.uri} is not open in the daemon`);
    if (!this.analysis.isAnalyzed(doc)) throw new Error(`steer: ${p.uri} is not analysed (JumpLens: Analyze This Document)`);
    await this.analysis.flush(p.uri);
    const st = this.analysis.get(p.uri);
    const last = st?.analysis?.last;
    const engine = st?.analysis?.engine;
    if (!engine || !last) throw new Error(`steer: ${p.uri} has no analysis${st?.error ? `: ${st.error}` : ''}`);
    const text = promptTextBefore(doc, p.position, last.tokens);
    const ids = engine.model.tokenizer.encode(text, { bos: st.settings?.bos ?? true }).map((t) => t.id);
    // A steered file's own interventions come first: the panel compares against the clean model.
    const interventions = withFileInterventions(st.analysis!.steer, p.interventions);
    // The engine stays leased by the document while the generation runs (it is synchronous).
    return runSteer(engine, ids, { ...p, interventions });
  }

  /** Stops pending analyses (the root then disposes the session, jobs and ws server). */
  shutdown(): void {
    this.analysis.dispose();
  }
}
