// The language server: wires documents (each with its engine, analysis and diagnostics), settings,
// hovers, inlay hints, directive completion, the tokenFeatures stream, jobs (job-commands.ts) and
// the ws endpoint onto one LSP connection.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InlayHint,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  Commands,
  Methods,
  type ApiEndpointResult,
  type FocusFeatureParams,
  type FocusFeatureResult,
  type SetAnalyzedParams,
  type StatusParams,
  type VisibleRangesParams,
  type TokenFeatures,
  type TokenFeaturesParams,
} from '../../../protocol';
import { JobQueue } from '../jobs/job-queue';
import { startWsServer, type WsServerHandle } from '../api/ws-server';
import { EngineSession, engineKey, type Engine, type EngineSpec } from '../session/engine-session';
import { analyzeText } from './analyze-text';
import { DocumentAnalysis } from './document-analysis';
import { documentDiagnostics } from './document-diagnostics';
import { documentSettings, type DocumentSettings } from './document-settings';
import { directiveCompletions, directiveHover } from './directive-help';
import { hoverMarkdown } from './hover';
import { registerJobCommands } from './job-commands';
import { parsePromptFile, wholeDocument } from './prompt-file';
import { DEFAULT_SETTINGS, mergeSettings, type DaemonSettings } from './settings';

interface DocState {
  timer?: NodeJS.Timeout;
  abort?: AbortController;
  /** Serialises analyses of one document (they share its KV cache). */
  chain: Promise<void>;
  analysis?: DocumentAnalysis;
  /** The engine this document holds a lease on (settings + its directives), and its key. */
  engine?: Engine;
  engineKey?: string;
  /** The settings its last analysis used (daemon settings + its directives). */
  settings?: DocumentSettings;
  /** Why the document's engine would not load, for its status. */
  error?: string;
  /** The diagnostics last published, to send only changes. */
  published: string;
  /** The last view that moved the analysis (version and middle offset), so the same view is not re-run. */
  viewAt?: string;
  /** Text of the last change seen, to find where the next edit starts. */
  prevText: string;
  focus?: number;
  /** Document offsets the editor last showed, when it said (jumplens/visibleRanges). */
  view?: [number, number];
  receivedAt: number;
}


export function startLanguageServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const session = new EngineSession();
  const states = new Map<string, DocState>();
  const toggled = new Map<string, boolean>();
  let settings: DaemonSettings = DEFAULT_SETTINGS;
  let initOptions: unknown;
  let hasConfiguration = false;
  let hasProgress = false;
  let jobs: JobQueue | undefined;
  let ws: Promise<WsServerHandle> | undefined;

  const isAnalyzed = (doc: TextDocument) => toggled.get(doc.uri) ?? settings.languages.includes(doc.languageId);
  /** `.jlp` documents are read as prompt files (directives, comments, `---`); others as plain text. */
  const PROMPT_LANGUAGE = 'jumplens-prompt';
  /** The text of line `line` of `doc`, without its line break. */
  const lineText = (doc: TextDocument, line: number) => doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');

  connection.onInitialize((params: InitializeParams) => {
    initOptions = params.initializationOptions;
    settings = mergeSettings(DEFAULT_SETTINGS, initOptions);
    hasConfiguration = params.capabilities.workspace?.configuration === true;
    hasProgress = params.capabilities.window?.workDoneProgress === true;
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    const io = (initOptions ?? {}) as { runsDir?: string };
    const base = root?.startsWith('file:') ? fileURLToPath(root) : process.cwd();
    jobs = new JobQueue(io.runsDir ?? path.join(base, '.jumplens', 'runs'));
    jobs.on('event', (ev) => void connection.sendNotification(Methods.jobEvent, ev));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        inlayHintProvider: true,
        completionProvider: { triggerCharacters: ['@'] },
        executeCommandProvider: { commands: Object.values(Commands) },
      },
      serverInfo: { name: 'jumplens', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (hasConfiguration) await refreshSettings();
  });

  async function refreshSettings(): Promise<void> {
    if (hasConfiguration) {
      const cfg = await connection.workspace.getConfiguration('jumplens');
      settings = mergeSettings(mergeSettings(DEFAULT_SETTINGS, initOptions), cfg);
    }
    session.forgetFailures();
    for (const doc of documents.all()) schedule(doc, 0);
  }

  connection.onDidChangeConfiguration(async (p) => {
    if (!hasConfiguration) settings = mergeSettings(settings, (p.settings as { jumplens?: unknown } | undefined)?.jumplens);
    await refreshSettings();
  });

  function stateOf(uri: string): DocState {
    let s = states.get(uri);
    if (!s) {
      s = { chain: Promise.resolve(), prevText: '', receivedAt: performance.now(), published: '[]' };
      states.set(uri, s);
    }
    return s;
  }

  function schedule(doc: TextDocument, delay = settings.debounceMs): void {
    const st = stateOf(doc.uri);
    const text = doc.getText();
    let i = 0;
    const n = Math.min(text.length, st.prevText.length);
    while (i < n && text.charCodeAt(i) === st.prevText.charCodeAt(i)) i++;
    st.focus = st.focus === undefined ? i : Math.min(st.focus, i);
    st.prevText = text;
    st.receivedAt = performance.now();
    st.abort?.abort();
    clearTimeout(st.timer);
    st.timer = setTimeout(() => run(doc.uri), delay);
  }

  /** Starts the analysis of the newest version now (skipping the debounce) and waits for it. */
  function flush(uri: string): Promise<void> {
    const st = states.get(uri);
    if (!st) return Promise.resolve();
    if (st.timer) {
      clearTimeout(st.timer);
      st.timer = undefined;
      run(uri);
    }
    return st.chain;
  }

  function run(uri: string): void {
    const st = stateOf(uri);
    st.timer = undefined;
    const ac = new AbortController();
    st.abort = ac;
    const receivedAt = st.receivedAt;
    st.chain = st.chain.then(async () => {
      const live = documents.get(uri);
      if (!live || ac.signal.aborted) return;
      if (!isAnalyzed(live)) {
        if (st.analysis) {
          dropAnalysis(st);
          void connection.sendNotification(Methods.tokenFeatures, emptyFeatures(uri, live.version));
        }
        publish(uri, st, []);
        return;
      }
      // A snapshot: the live document object is updated in place by later changes.
      const doc = TextDocument.create(uri, live.languageId, live.version, live.getText());
      const text = doc.getText();
      const file = doc.languageId === PROMPT_LANGUAGE ? parsePromptFile(text) : undefined;
      const ds = documentSettings(settings, file?.overrides ?? {}, uri);
      st.settings = ds;
      const firstLine = lineText(doc, 0).length;
      let engine: Engine;
      try {
        engine = await leaseEngine(st, ds.engine);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        if (st.error !== msg) connection.console.error(`jumplens: ${uri}: ${msg}`);
        st.error = msg;
        publish(uri, st, documentDiagnostics(file, firstLine, { error: e }));
        // Colours from another model or SAE would mislead: clear them until this one loads.
        if (st.analysis) {
          dropAnalysis(st);
          void connection.sendNotification(Methods.tokenFeatures, emptyFeatures(uri, doc.version));
        }
        void connection.sendNotification(Methods.statusChanged, session.status(undefined, msg));
        return;
      }
      if (st.analysis && st.analysis.engine !== engine) dropAnalysis(st);
      st.error = undefined;
      publish(uri, st, documentDiagnostics(file, firstLine, { engine }));
      try {
        st.analysis ??= new DocumentAnalysis(engine);
        const focus = st.focus;
        const r = await st.analysis.update({
          segments: file ? file.segments : [wholeDocument(text)],
          bos: ds.bos,
          version: doc.version,
          topK: ds.topK,
          maxTokens: ds.maxTokens,
          focus,
          view: st.view,
          positionAt: (o) => doc.positionAt(o),
          signal: ac.signal,
        });
        if (!r) return;
        if (st.focus === focus) st.focus = undefined;
        const latencyMs = performance.now() - receivedAt;
        session.lastLatencyMs = latencyMs;
        await connection.sendNotification(Methods.tokenFeatures, { uri, latencyMs, ...r } satisfies TokenFeaturesParams);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        connection.console.error(`jumplens: ${uri}: ${msg}`);
        void connection.sendNotification(Methods.statusChanged, session.status(engine, msg));
      }
    });
  }

  /** Holds the engine for `spec` on behalf of a document, releasing the one it held before. */
  async function leaseEngine(st: DocState, spec: EngineSpec): Promise<Engine> {
    const key = engineKey(spec);
    if (st.engine && st.engineKey === key) return st.engine;
    let engine: Engine | undefined;
    try {
      engine = await session.acquire(spec);
    } finally {
      // On failure too: the document no longer uses the engine it held (its analysis is dropped by the caller).
      if (st.engine) session.release(st.engine);
      st.engine = engine;
      st.engineKey = engine ? key : undefined;
    }
    // The status bar learns the model/SAE once they are loaded.
    void connection.sendNotification(Methods.statusChanged, session.status(engine));
    return engine;
  }

  function dropAnalysis(st: DocState): void {
    st.analysis?.dispose();
    st.analysis = undefined;
  }

  function emptyFeatures(uri: string, version: number): TokenFeaturesParams {
    return { uri, version, recomputedFrom: 0, recomputed: 0, tokens: [], latencyMs: 0 };
  }

  function publish(uri: string, st: DocState, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    if (key === st.published) return;
    st.published = key;
    void connection.sendDiagnostics({ uri, diagnostics });
  }

  documents.onDidOpen((e) => {
    stateOf(e.document.uri).prevText = '';
    schedule(e.document, 0);
  });
  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => {
    const st = states.get(e.document.uri);
    if (!st) return;
    clearTimeout(st.timer);
    st.abort?.abort();
    states.delete(e.document.uri);
    void st.chain.then(() => {
      dropAnalysis(st);
      if (st.engine) session.release(st.engine);
      st.engine = undefined;
      publish(e.document.uri, st, []);
    });
  });
  documents.onDidSave(() => session.forgetFailures());

  async function tokenAt(uri: string, pos: { line: number; character: number }): Promise<{ t: TokenFeatures; st: DocState } | undefined> {
    const doc = documents.get(uri);
    if (!doc || !isAnalyzed(doc)) return undefined;
    await flush(uri);
    const st = states.get(uri);
    const last = st?.analysis?.last;
    if (!st || !last || last.version !== doc.version) return undefined;
    const i = st.analysis!.tokenAt(doc.offsetAt(pos));
    return i >= 0 ? { t: last.tokens[i], st } : undefined;
  }

  connection.onCompletion((p) => {
    const doc = documents.get(p.textDocument.uri);
    if (!doc || doc.languageId !== PROMPT_LANGUAGE) return [];
    return directiveCompletions(lineText(doc, p.position.line), p.position, states.get(doc.uri)?.engine?.model.hookNames() ?? []);
  });

  connection.onHover(async (p) => {
    const doc = documents.get(p.textDocument.uri);
    if (doc?.languageId === PROMPT_LANGUAGE) {
      const line = lineText(doc, p.position.line);
      if (line.startsWith('@')) {
        await flush(doc.uri);
        const st = states.get(doc.uri);
        const md = st?.settings && directiveHover(line, st.settings, st.engine);
        if (md) return { contents: { kind: 'markdown', value: md } };
      }
    }
    const hit = await tokenAt(p.textDocument.uri, p.position);
    const e = hit?.st.analysis?.engine;
    if (!hit || !e) return null;
    return {
      contents: { kind: 'markdown', value: hoverMarkdown(hit.t, { store: e.store, hook: e.hook, sae: e.sae !== undefined }) },
      range: hit.t.range,
    };
  });

  connection.languages.inlayHint.on(async (p) => {
    if (!settings.inlayHints.enabled) return [];
    const doc = documents.get(p.textDocument.uri);
    if (!doc || !isAnalyzed(doc)) return [];
    await flush(doc.uri);
    const last = states.get(doc.uri)?.analysis?.last;
    if (!last || last.version !== doc.version) return [];
    const lo = doc.offsetAt(p.range.start);
    const hi = doc.offsetAt(p.range.end);
    const hints: InlayHint[] = [];
    for (const t of last.tokens) {
      if (t.max < settings.inlayHints.minActivation || t.top.length === 0) continue;
      const off = doc.offsetAt(t.range.end);
      if (off < lo || off > hi) continue;
      const f = t.top[0];
      hints.push({ position: t.range.end, label: `#${f.id}${f.label ? ` ${f.label}` : ''}`, paddingLeft: true, tooltip: `feature ${f.id}: ${f.act.toFixed(3)}` });
    }
    return hints;
  });

  connection.onRequest(Methods.setAnalyzed, (p: SetAnalyzedParams) => {
    toggled.set(p.uri, p.analyzed);
    const doc = documents.get(p.uri);
    if (doc) schedule(doc, 0);
    return { uri: p.uri, analyzed: p.analyzed };
  });

  // A document analysed in part follows the view: when the editor shows text outside the analysed
  // part, analyse around the middle of what it shows (the plan keeps a window the view stays inside).
  connection.onNotification(Methods.visibleRanges, (p: VisibleRangesParams) => {
    const doc = documents.get(p.uri);
    const st = states.get(p.uri);
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
    schedule(doc, 0);
  });

  connection.onRequest(Methods.status, (p?: StatusParams) => {
    const st = p?.uri ? states.get(p.uri) : undefined;
    return st && (st.engine || st.error) ? session.status(st.engine, st.error) : session.status();
  });

  connection.onRequest(Methods.focusFeature, async (p: FocusFeatureParams): Promise<FocusFeatureResult> => {
    await flush(p.uri);
    const analysis = states.get(p.uri)?.analysis;
    const last = analysis?.last;
    const store = analysis?.engine.store;
    const tokens = (last?.tokens ?? []).map((t) => ({ range: t.range, act: t.top.find((f) => f.id === p.feature)?.act ?? 0 }));
    const docMax = Math.max(0, ...tokens.map((t) => t.act));
    const scale = store?.maxAct[p.feature] ?? docMax;
    return { feature: p.feature, label: store?.label(p.feature), scale, tokens };
  });

  connection.onRequest(Methods.listJobs, () => jobs?.list() ?? []);

  connection.onRequest(Methods.apiEndpoint, async (): Promise<ApiEndpointResult> => {
    ws ??= startWsServer({ status: () => session.status(), analyze: (text, topK) => analyzeText(session, settings, text, topK), jobs: jobs!, features: () => session.featureOps() });
    const h = await ws;
    return { url: h.url, token: h.token };
  });

  registerJobCommands(connection, () => jobs, () => hasProgress);

  connection.onShutdown(async () => {
    for (const st of states.values()) {
      clearTimeout(st.timer);
      st.abort?.abort();
    }
    await jobs?.dispose();
    if (ws) await (await ws).close();
    session.dispose();
  });
  connection.onExit(() => process.exit(0));

  documents.listen(connection);
  connection.listen();
}
