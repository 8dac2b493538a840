// Per-document analysis: debounces changes, cancels work on older versions (publishing a superseded
// one that finished when the newer edit lies after its tokens), leases each document's engine
// (settings + its `.jlp` directives) from the session, runs the analysis and publishes its
// features and diagnostics. One chain per document: analyses of a document share its KV cache.
import type { Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { StatusChangedNotification, TokenFeaturesNotification, type TokenFeaturesParams } from '../../../protocol';
import { engineKey, type Engine, type EngineSession, type EngineSpec } from '../session/engine-session';
import type { DaemonSettings } from '../session/settings';
import { DocumentAnalysis } from './document-analysis';
import { warmUp } from './engine-warmup';
import { documentDiagnostics } from './document-diagnostics';
import { documentSettings, type DocumentSettings } from './document-settings';
import type { LspClient } from './lsp-client';
import { parsePromptFile, wholeDocument } from './prompt-file';
import { usableInterventions } from './steer-directives';
import { stillHolds } from './superseded-result';

/** How long the daemon must have had no change before it warms up a new engine. */
const WARMUP_QUIET_MS = 100;

/** `.jlp` documents are read as prompt files (directives, comments, `---`); others as plain text. */
export const PROMPT_LANGUAGE = 'jumplens-prompt';

/** The text of line `line` of `doc`, without its line break. */
export function lineText(doc: TextDocument, line: number): string {
  return doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

/**
 * Runs `fn` after `ms`; with no debounce (the default), in the next turn of the event loop: a
 * setTimeout(0) costs Node at least 1 ms per keystroke, and changes read in one tick still coalesce.
 */
function later(fn: () => void, ms: number): { cancel(): void } {
  if (ms <= 0) {
    const h = setImmediate(fn);
    return { cancel: () => clearImmediate(h) };
  }
  const h = setTimeout(fn, ms);
  return { cancel: () => clearTimeout(h) };
}

export interface DocState {
  /** The pending run of the newest version; cancel() drops it. */
  timer?: { cancel(): void };
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

export class AnalysisScheduler {
  private readonly states = new Map<string, DocState>();
  /** Documents turned on or off by hand (jumplens/setAnalyzed), over the `languages` setting. */
  readonly toggled = new Map<string, boolean>();

  /** Engines warmed up after their first analysis (engine-warmup.ts), and the warm-up under way. */
  private readonly warmed = new WeakSet<Engine>();
  private warmup?: { stop: boolean; done: Promise<number> };
  /** When the last change came in (performance.now()), and how many analyses are running. */
  private lastChange = 0;
  private running = 0;
  private disposed = false;

  constructor(
    private readonly session: EngineSession,
    private readonly client: LspClient,
    private readonly documents: { get(uri: string): TextDocument | undefined },
    private readonly settings: () => DaemonSettings,
  ) {}

  isAnalyzed(doc: TextDocument): boolean {
    return this.toggled.get(doc.uri) ?? this.settings().languages.includes(doc.languageId);
  }

  get(uri: string): DocState | undefined {
    return this.states.get(uri);
  }

  private stateOf(uri: string): DocState {
    let s = this.states.get(uri);
    if (!s) {
      s = { chain: Promise.resolve(), prevText: '', receivedAt: performance.now(), published: '[]' };
      this.states.set(uri, s);
    }
    return s;
  }

  /** A document just opened: analysed from its start, now. */
  open(doc: TextDocument): void {
    this.stateOf(doc.uri).prevText = '';
    this.schedule(doc, 0);
  }

  /** (Re)analyses `doc` after `delay` ms, from the first character that changed since the last call. */
  schedule(doc: TextDocument, delay = this.settings().debounceMs): void {
    const st = this.stateOf(doc.uri);
    const text = doc.getText();
    let i = 0;
    const n = Math.min(text.length, st.prevText.length);
    while (i < n && text.charCodeAt(i) === st.prevText.charCodeAt(i)) i++;
    st.focus = st.focus === undefined ? i : Math.min(st.focus, i);
    st.prevText = text;
    st.receivedAt = performance.now();
    this.lastChange = st.receivedAt;
    if (this.warmup) this.warmup.stop = true;
    st.abort?.abort();
    st.timer?.cancel();
    st.timer = later(() => this.run(doc.uri), delay);
  }

  /** Starts the analysis of the newest version now (skipping the debounce) and waits for it. */
  flush(uri: string): Promise<void> {
    const st = this.states.get(uri);
    if (!st) return Promise.resolve();
    if (st.timer) {
      st.timer.cancel();
      st.timer = undefined;
      this.run(uri);
    }
    return st.chain;
  }

  /** The document closed: stop its work, then drop its analysis, lease and diagnostics. */
  close(uri: string): void {
    const st = this.states.get(uri);
    if (!st) return;
    st.timer?.cancel();
    st.abort?.abort();
    this.states.delete(uri);
    void st.chain.then(() => {
      this.dropAnalysis(st);
      if (st.engine) this.session.release(st.engine);
      st.engine = undefined;
      this.publish(uri, st, []);
    });
  }

  /** Re-runs every open document (settings changed). */
  rescheduleAll(docs: Iterable<TextDocument>): void {
    for (const doc of docs) this.schedule(doc, 0);
  }

  dispose(): void {
    this.disposed = true;
    if (this.warmup) this.warmup.stop = true;
    for (const st of this.states.values()) {
      st.timer?.cancel();
      st.abort?.abort();
    }
  }

  private run(uri: string): void {
    const st = this.stateOf(uri);
    st.timer = undefined;
    const ac = new AbortController();
    st.abort = ac;
    const receivedAt = st.receivedAt;
    st.chain = st.chain.then(() => this.analyse(uri, st, ac.signal, receivedAt));
  }

  private async analyse(uri: string, st: DocState, signal: AbortSignal, receivedAt: number): Promise<void> {
    // A warm-up under way ends after its current keystroke and frees its analysis first, so what
    // follows a change (its colours, a status's memory counts) never sees the warm-up's tensors.
    if (this.warmup) {
      this.warmup.stop = true;
      await this.warmedUp();
    }
    this.running++;
    try {
      await this.analyseNow(uri, st, signal, receivedAt);
    } finally {
      this.running--;
    }
  }

  private async analyseNow(uri: string, st: DocState, signal: AbortSignal, receivedAt: number): Promise<void> {
    const live = this.documents.get(uri);
    if (!live || signal.aborted) return;
    if (!this.isAnalyzed(live)) {
      this.clearFeatures(st, uri, live.version);
      this.publish(uri, st, []);
      return;
    }
    // A snapshot: the live document object is updated in place by later changes.
    const doc = TextDocument.create(uri, live.languageId, live.version, live.getText());
    const text = doc.getText();
    const file = doc.languageId === PROMPT_LANGUAGE ? parsePromptFile(text) : undefined;
    const ds = documentSettings(this.settings(), file?.overrides ?? {}, uri);
    st.settings = ds;
    const firstLine = lineText(doc, 0).length;
    let engine: Engine;
    try {
      engine = await this.leaseEngine(st, ds.engine);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (st.error !== msg) this.client.error(`jumplens: ${uri}: ${msg}`);
      st.error = msg;
      this.publish(uri, st, documentDiagnostics(file, firstLine, { error: e }));
      // Colours from another model or SAE would mislead: clear them until this one loads.
      this.clearFeatures(st, uri, doc.version);
      this.client.notify(StatusChangedNotification, this.session.status(undefined, msg));
      return;
    }
    if (st.analysis && st.analysis.engine !== engine) this.dropAnalysis(st);
    st.error = undefined;
    this.publish(uri, st, documentDiagnostics(file, firstLine, { engine }));
    try {
      st.analysis ??= new DocumentAnalysis(engine);
      const focus = st.focus;
      const r = await st.analysis.update({
        segments: file ? file.segments : [wholeDocument(text)],
        bos: ds.bos,
        version: doc.version,
        topK: ds.topK,
        maxTokens: ds.maxTokens,
        steer: usableInterventions(file?.interventions, engine.sae?.dSae),
        focus,
        view: st.view,
        positionAt: (o) => doc.positionAt(o),
        signal,
      });
      if (!r) return;
      if (signal.aborted) {
        // Superseded while the model ran: still published when the newer text leaves every token it
        // coloured as it was (typed after them), so the next analysis is not the first to colour them.
        const now = this.documents.get(uri);
        if (this.states.get(uri) !== st || !now || !this.isAnalyzed(now) || !stillHolds(r, text, now.getText(), (p) => doc.offsetAt(p))) return;
      } else if (st.focus === focus) st.focus = undefined;
      const latencyMs = performance.now() - receivedAt;
      this.session.lastLatencyMs = latencyMs;
      this.client.notify(TokenFeaturesNotification, { uri, latencyMs, ...r } satisfies TokenFeaturesParams);
      this.warm(engine, ds);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.client.error(`jumplens: ${uri}: ${msg}`);
      this.client.notify(StatusChangedNotification, this.session.status(engine, msg));
    }
  }

  /**
   * Once per engine, after the first colours it gave and once the daemon has had no change for
   * WARMUP_QUIET_MS: types a sentence into a throwaway analysis (engine-warmup.ts). The next change
   * ends it, so a keystroke waits for at most one of its steps (analyse).
   */
  private warm(engine: Engine, ds: DocumentSettings): void {
    if (this.disposed || this.warmed.has(engine) || !this.session.retain(engine)) return;
    this.warmed.add(engine);
    const run = { stop: false, done: Promise.resolve(0) };
    this.warmup = run;
    const { bos, topK, maxTokens } = ds;
    run.done = this.quiet(() => run.stop)
      .then(() => (run.stop ? 0 : warmUp(engine, { bos, topK, maxTokens, stopped: () => run.stop })))
      .catch((e: unknown) => {
        // Only speed is lost: the next keystrokes compile the path themselves.
        this.client.error(`jumplens: warming up the model failed: ${e instanceof Error ? e.message : String(e)}`);
        return 0;
      })
      .finally(() => {
        this.session.release(engine);
        if (this.warmup === run) this.warmup = undefined;
      });
  }

  /** Resolves when no warm-up is under way (its tensors freed); how many keystrokes the last one typed. */
  warmedUp(): Promise<number> {
    return this.warmup?.done ?? Promise.resolve(0);
  }

  /** Resolves once no change has come in for WARMUP_QUIET_MS and no analysis is pending or running (or `cancelled`). */
  private async quiet(cancelled: () => boolean): Promise<void> {
    // Polled, not awaiting the documents' chains: an analysis waits for the warm-up (analyse).
    for (;;) {
      if (cancelled()) return;
      const since = performance.now() - this.lastChange;
      const busy = this.running > 0 || [...this.states.values()].some((s) => s.timer);
      if (!busy && since >= WARMUP_QUIET_MS) return;
      await new Promise((r) => setTimeout(r, Math.max(10, WARMUP_QUIET_MS - since)));
    }
  }

  /** Holds the engine for `spec` on behalf of a document, releasing the one it held before. */
  private async leaseEngine(st: DocState, spec: EngineSpec): Promise<Engine> {
    const key = engineKey(spec);
    if (st.engine && st.engineKey === key) return st.engine;
    let engine: Engine | undefined;
    try {
      engine = await this.session.acquire(spec);
    } finally {
      // On failure too: the document no longer uses the engine it held (its analysis is dropped by the caller).
      if (st.engine) this.session.release(st.engine);
      st.engine = engine;
      st.engineKey = engine ? key : undefined;
    }
    // The status bar learns the model/SAE once they are loaded.
    this.client.notify(StatusChangedNotification, this.session.status(engine));
    return engine;
  }

  /** Drops the document's analysis and tells the client its features are gone. */
  private clearFeatures(st: DocState, uri: string, version: number): void {
    if (!st.analysis) return;
    this.dropAnalysis(st);
    this.client.notify(TokenFeaturesNotification, { uri, version, recomputedFrom: 0, recomputed: 0, tokens: [], latencyMs: 0 });
  }

  private dropAnalysis(st: DocState): void {
    st.analysis?.dispose();
    st.analysis = undefined;
  }

  private publish(uri: string, st: DocState, diagnostics: Diagnostic[]): void {
    const key = JSON.stringify(diagnostics);
    if (key === st.published) return;
    st.published = key;
    this.client.publishDiagnostics(uri, diagnostics);
  }
}
