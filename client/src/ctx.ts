// The extension's context: owns the language client (the daemon), the settings, the status bar,
// the decorations, the webview panels and their lifecycle. Commands (commands/) get it and nothing
// else; the daemon's notifications are routed here to the part that draws them.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, State, type LanguageClient } from 'vscode-languageclient/node';
import { Methods, SteerRequest, type ApiEndpointResult, type JobEvent, type SetAnalyzedParams, type TokenFeaturesMessage } from '../../protocol';
import { TokenState } from './token-state';
import { bundledSae, createDaemonClient } from './daemon';
import { TokenDecorations } from './decorations';
import { JobNotifier } from './job-notify';
import { JobRunner } from './jobs';
import { openRoots } from './panels/open-policy';
import { DashboardPanel } from './panels/dashboard-panel';
import { FeatureBrowserViewProvider } from './panels/feature-browser-view';
import { SteerPanel } from './panels/steer-panel';
import type { WebviewHooks } from './panels/webview-bridge';
import { PinnedHovers } from './pinned-hovers';
import { StatusBar } from './status-bar';
import { StatusRefresh } from './status-refresh';
import { TrailingThrottle } from './trailing-throttle';
import { ViewTracking } from './view-tracking';

/** How often, at most, the status bar follows analyses while the user types. */
const STATUS_AFTER_ANALYSIS_MS = 500;

export class Ctx implements vscode.Disposable {
  readonly output = vscode.window.createOutputChannel('JumpLens', { log: true });
  readonly status = new StatusBar();
  readonly decorations = new TokenDecorations();
  readonly jobs: JobRunner;
  readonly jobNotifier: JobNotifier;
  readonly statusRefresh: StatusRefresh;
  readonly view: ViewTracking;
  readonly browser: FeatureBrowserViewProvider;
  readonly dashboard: DashboardPanel;
  readonly steer: SteerPanel;
  /** Hovers the user pinned (jumplens.pinHover), as read-only documents. */
  readonly pins = new PinnedHovers();
  /** Documents whose analysis the user switched with "Analyze This Document" (uri -> on/off). */
  readonly analyzed = new Map<string, boolean>();
  private languageClient: LanguageClient | undefined;
  /** The Node binary the daemon runs on (Show Status says which). */
  runtime = '';

  constructor(readonly extension: vscode.ExtensionContext) {
    this.decorations.enabled = this.decorationsEnabled();
    this.jobs = new JobRunner(() => this.client, this.output);
    this.jobNotifier = new JobNotifier(this);
    this.dashboard = new DashboardPanel(extension.extensionUri, this.webviewHooks);
    this.statusRefresh = new StatusRefresh(
      () => this.client,
      this.status,
      (s) => this.dashboard.setCurrentSae(s.sae?.path ?? null),
    );
    this.view = new ViewTracking(
      () => this.client,
      (uri) => this.decorations.partialRange(uri),
    );
    this.browser = new FeatureBrowserViewProvider(extension.extensionUri, this.webviewHooks);
    this.steer = new SteerPanel(
      extension.extensionUri,
      (p) => this.need().sendRequest(SteerRequest, p),
      (l) => this.output.appendLine(l),
    );
    extension.subscriptions.push(
      this.output,
      this.status,
      this.decorations,
      this.view,
      this.dashboard,
      this.steer,
      this.pins,
      vscode.window.registerWebviewViewProvider(FeatureBrowserViewProvider.viewType, this.browser),
      this,
    );
  }

  /** The language client, whatever its state (undefined between stop and start). */
  get client(): LanguageClient | undefined {
    return this.languageClient;
  }

  /** The running language client, or an error saying how to get one. */
  need(): LanguageClient {
    const c = this.languageClient;
    if (!c || c.state !== State.Running) throw new Error('JumpLens daemon is not running (JumpLens: Restart Daemon)');
    return c;
  }

  /** The `jumplens` settings, read fresh (they change under us). */
  get settings(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('jumplens');
  }

  async updateSetting(key: string, value: unknown): Promise<void> {
    await this.settings.update(key, value, vscode.ConfigurationTarget.Workspace);
  }

  /** The SAE shipped with the extension, used when jumplens.sae is empty. */
  get bundledSae(): string | undefined {
    return bundledSae(this.extension);
  }

  activeEditor(): vscode.TextEditor {
    const e = vscode.window.activeTextEditor;
    if (!e) throw new Error('open a document first');
    return e;
  }

  activeUri(): string {
    return this.activeEditor().document.uri.toString();
  }

  /** Runs a daemon workspace command (jumplens.job.*) over LSP executeCommand. */
  async executeDaemonCommand(command: string, ...args: unknown[]): Promise<unknown> {
    return this.need().sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  }

  /** What the webviews get from the extension: the daemon's ws endpoint and their UI actions. */
  get webviewHooks(): WebviewHooks {
    return {
      getEndpoint: async () => {
        const c = this.languageClient;
        return c?.state === State.Running ? c.sendRequest<ApiEndpointResult>(Methods.apiEndpoint).catch(() => undefined) : undefined;
      },
      focusFeature: (f) => void vscode.commands.executeCommand('jumplens.focusFeature', f),
      // A frontier point picked in the dashboard becomes the workspace's SAE; the daemon reloads on the change.
      loadSae: (p) => void this.updateSetting('sae', p),
      openRoots: () =>
        openRoots(
          (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
          this.settings.get<string>('jobs.runsDir', ''),
        ),
      prefill: async () => {
        const s = this.status.last;
        return {
          model: s?.model?.path,
          sae: s?.sae?.path,
          hook: this.settings.get<string>('hook') || s?.sae?.hook,
          corpus: this.settings.get<string>('jobs.corpus') || undefined,
        };
      },
      log: (line) => this.output.appendLine(line),
    };
  }

  async start(): Promise<void> {
    this.status.set(undefined, true);
    const d = createDaemonClient(
      this.extension,
      this.output,
      (uri) => this.decorations.tokensAt(uri),
      (uri, pos) => this.decorations.colourNoteAt(uri, pos),
      (t) => this.browser.hoveredToken(t),
    );
    const client = d.client;
    this.languageClient = client;
    this.runtime = d.runtime;
    this.output.appendLine(`starting daemon on ${this.runtime}`);
    client.onNotification(Methods.tokenFeatures, (p: TokenFeaturesMessage) => this.onTokenFeatures(p));
    client.onNotification(Methods.statusChanged, () => void this.statusRefresh.refresh());
    client.onNotification(Methods.jobEvent, (e: JobEvent) => {
      this.jobs.dispatch(e);
      this.jobNotifier.onEvent(e);
    });
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) this.status.set(undefined, false);
    });
    try {
      await client.start();
      await this.statusRefresh.refresh();
      // A restarted daemon forgets which documents the user switched; tell it again.
      for (const [uri, on] of this.analyzed) await client.sendRequest(Methods.setAnalyzed, { uri, analyzed: on } satisfies SetAnalyzedParams);
      // Open webviews still hold the old daemon's port and token; hand them the new ones.
      await Promise.all([this.dashboard.daemonRestarted(), this.browser.daemonRestarted()]);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.output.appendLine(`daemon failed to start: ${msg}`);
      this.status.set({
        backend: { kind: '?', label: '?', detail: '' },
        memory: { numTensors: 0, numBytes: 0 },
        error: `JumpLens daemon failed to start: ${msg}`,
      });
    }
  }

  async stop(): Promise<void> {
    const c = this.languageClient;
    this.languageClient = undefined;
    if (c) await c.stop(5000).catch(() => undefined);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Full token lists, merged from the daemon's deltas (token-state.ts). */
  private readonly tokenState = new TokenState();

  private onTokenFeatures(msg: TokenFeaturesMessage): void {
    const p = this.tokenState.update(msg);
    this.decorations.update(p);
    this.lastLatency = { uri: p.uri, ms: p.latencyMs };
    this.statusAfterAnalysis.request();
    if (p.partial) this.view.sendFor(p.uri);
  }

  private lastLatency: { uri: string; ms: number } | undefined;
  /** The status bar after analyses: their latency, and a re-ask when the active document's was one. */
  private readonly statusAfterAnalysis = new TrailingThrottle(STATUS_AFTER_ANALYSIS_MS, () => {
    const l = this.lastLatency;
    if (!l) return;
    this.status.latency(l.ms);
    if (l.uri === vscode.window.activeTextEditor?.document.uri.toString()) void this.statusRefresh.refresh();
  });

  private decorationsEnabled(): boolean {
    return vscode.workspace.getConfiguration('jumplens.decorations').get<boolean>('enabled', true);
  }

  /** Editor and settings events: decorations follow visible editors, status the active one. */
  watchWorkspace(): void {
    this.extension.subscriptions.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.decorations.renderAll()),
      vscode.window.onDidChangeActiveTextEditor(() => void this.statusRefresh.refresh()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.view.changed(e.textEditor)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.some((c) => c.rangeLength > 0)) this.decorations.textDeleted(e.document.uri.toString());
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.decorations.forget(d.uri.toString());
        this.tokenState.forget(d.uri.toString());
        this.view.forget(d.uri.toString());
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('jumplens.decorations')) {
          this.decorations.enabled = this.decorationsEnabled();
          this.decorations.renderAll();
        }
        if (e.affectsConfiguration('jumplens.server.nodePath')) void vscode.commands.executeCommand('jumplens.restartDaemon');
      }),
    );
  }

  dispose(): void {
    this.statusAfterAnalysis.dispose();
    void this.stop();
  }
}
