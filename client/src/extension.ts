// JumpLens VS Code client: starts the daemon, draws what it sends and routes commands. It never
// imports tfjs; every computation happens in the daemon.
import * as vscode from 'vscode';
import { ExecuteCommandRequest, State, type LanguageClient } from 'vscode-languageclient/node';
import {
  Commands,
  Methods,
  type FocusFeatureParams,
  type FocusFeatureResult,
  type JobEvent,
  type JobInfo,
  type JobKind,
  type JobSpec,
  type SetAnalyzedParams,
  type StatusParams,
  type StatusResult,
  type TokenFeaturesParams,
  type VisibleRangesParams,
} from '../../protocol';
import { bundledSae, createDaemonClient } from './daemon';
import { openDashboard } from './panels/dashboard-panel';
import { FeatureBrowserViewProvider } from './panels/feature-browser-view';
import { TokenDecorations } from './decorations';
import { JobRunner } from './jobs';
import { StatusBar } from './status-bar';
import { viewLeavesAnalysed } from './view-coverage';

let client: LanguageClient | undefined;
let runtime = '';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('JumpLens', { log: true });
  const status = new StatusBar();
  const decorations = new TokenDecorations();
  decorations.enabled = vscode.workspace.getConfiguration('jumplens.decorations').get<boolean>('enabled', true);
  const jobs = new JobRunner(() => client, output);
  /** Documents whose analysis the user switched with "Analyze This Document" (uri -> on/off). */
  const analyzed = new Map<string, boolean>();
  context.subscriptions.push(output, status, decorations);

  // The status bar follows the active editor: a `.jlp` file's directives may pick another model or SAE.
  // One request at a time; a refresh asked for meanwhile runs once the current one is answered.
  let statusInFlight: Promise<void> | undefined;
  let statusAgain = false;
  const refreshStatus = async (): Promise<void> => {
    if (statusInFlight) {
      statusAgain = true;
      return statusInFlight;
    }
    const c = client;
    if (!c || c.state !== State.Running) return;
    statusInFlight = (async () => {
      do {
        statusAgain = false;
        const uri = vscode.window.activeTextEditor?.document.uri.toString();
        // A failure means the daemon is restarting; its next statusChanged refreshes the item.
        const s = await c.sendRequest<StatusResult>(Methods.status, { uri } satisfies StatusParams).catch(() => undefined);
        if (s) status.set(s);
      } while (statusAgain && c.state === State.Running);
    })();
    try {
      await statusInFlight;
    } finally {
      statusInFlight = undefined;
    }
  };

  // A document analysed in part follows the view: tell the daemon when the view leaves the analysed
  // part. Once per (analysed part, view), so a view the daemon cannot cover is not asked for again.
  const viewAsked = new Map<string, string>();
  const viewTimers = new Map<string, NodeJS.Timeout>();
  const sendView = (editor: vscode.TextEditor) => {
    const uri = editor.document.uri.toString();
    const ranges = editor.visibleRanges.map((r) => ({ start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } }));
    const analysed = decorations.partialRange(uri);
    if (!client || client.state !== State.Running || !viewLeavesAnalysed(analysed, ranges)) return;
    const key = JSON.stringify([analysed, ranges]);
    if (viewAsked.get(uri) === key) return;
    viewAsked.set(uri, key);
    void client.sendNotification(Methods.visibleRanges, { uri, ranges } satisfies VisibleRangesParams);
  };
  const viewChanged = (editor: vscode.TextEditor) => {
    const uri = editor.document.uri.toString();
    clearTimeout(viewTimers.get(uri));
    viewTimers.set(uri, setTimeout(() => sendView(editor), 150));
  };

  const start = async () => {
    status.set(undefined, true);
    const d = createDaemonClient(context, output, (uri) => decorations.tokensAt(uri), (t) => browser.hoveredToken(t));
    client = d.client;
    runtime = d.runtime;
    output.appendLine(`starting daemon on ${runtime}`);
    client.onNotification(Methods.tokenFeatures, (p: TokenFeaturesParams) => {
      decorations.update(p);
      status.latency(p.latencyMs);
      if (p.partial) for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === p.uri) sendView(e);
      if (p.uri === vscode.window.activeTextEditor?.document.uri.toString()) void refreshStatus();
    });
    client.onNotification(Methods.statusChanged, () => void refreshStatus());
    client.onNotification(Methods.jobEvent, (e: JobEvent) => jobs.dispatch(e));
    client.onDidChangeState((e) => {
      if (e.newState === State.Stopped) status.set(undefined, false);
    });
    try {
      await client.start();
      await refreshStatus();
      for (const [uri, on] of analyzed) await client.sendRequest(Methods.setAnalyzed, { uri, analyzed: on } satisfies SetAnalyzedParams);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      output.appendLine(`daemon failed to start: ${msg}`);
      status.set({ backend: { kind: '?', label: '?', detail: '' }, memory: { numTensors: 0, numBytes: 0 }, error: `JumpLens daemon failed to start: ${msg}` });
    }
  };
  const stop = async () => {
    const c = client;
    client = undefined;
    if (c) await c.stop(5000).catch(() => undefined);
  };

  const need = (): LanguageClient => {
    if (!client || client.state !== State.Running) throw new Error('JumpLens daemon is not running (JumpLens: Restart Daemon)');
    return client;
  };
  const activeUri = (): string => {
    const e = vscode.window.activeTextEditor;
    if (!e) throw new Error('open a document first');
    return e.document.uri.toString();
  };
  const guard =
    <A extends unknown[]>(f: (...a: A) => Promise<unknown> | unknown) =>
    async (...a: A) => {
      try {
        return await f(...a);
      } catch (e) {
        void vscode.window.showErrorMessage(`JumpLens: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
  const reg = (id: string, f: (...a: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, guard(f)));

  const focus = async (arg?: number | string | { feature: number; uri?: string }) => {
    let feature: number | undefined;
    let uri: string | undefined;
    if (typeof arg === 'number') feature = arg;
    else if (typeof arg === 'string' && arg.trim() !== '') feature = Number(arg);
    else if (arg && typeof arg === 'object') ({ feature, uri } = arg);
    uri ??= activeUri();
    if (feature === undefined) {
      const s = await vscode.window.showInputBox({ prompt: 'Feature index to focus (empty clears the focus)', validateInput: (v) => (v === '' || /^\d+$/.test(v) ? undefined : 'a non-negative integer') });
      if (s === undefined) return;
      if (s === '') return decorations.setFocus(uri, undefined);
      feature = Number(s);
    }
    if (!Number.isInteger(feature) || feature < 0) throw new Error(`feature must be a non-negative integer, got ${String(feature)}`);
    if (decorations.focusedFeature(uri) === feature && arg === undefined) return decorations.setFocus(uri, undefined);
    const r = await need().sendRequest<FocusFeatureResult>(Methods.focusFeature, { uri, feature } satisfies FocusFeatureParams);
    decorations.setFocus(uri, r);
    vscode.window.setStatusBarMessage(`JumpLens: focused feature #${feature}${r.label ? ` (${r.label})` : ''}`, 4000);
    // Hover links (object argument) also open the feature browser, when the webview registers it;
    // calls from the browser itself pass a number, so this never loops.
    if (typeof arg === 'object' && (await vscode.commands.getCommands(true)).includes('jumplens.openFeatureBrowser')) {
      await vscode.commands.executeCommand('jumplens.openFeatureBrowser', { feature });
    }
  };

  const jobSpec = async (kind: JobKind): Promise<JobSpec | undefined> => {
    const cfg = vscode.workspace.getConfiguration('jumplens');
    const model = cfg.get<string>('model') || undefined;
    const sae = cfg.get<string>('sae') || bundledSae(context);
    const hook = cfg.get<string>('hook') || undefined;
    const corpus = cfg.get<string>('jobs.corpus') || undefined;
    const out = cfg.get<string>('jobs.runsDir') || undefined;
    if (kind === 'train' || kind === 'finetune') {
      const steps = await vscode.window.showInputBox({ prompt: `${kind === 'train' ? 'Training' : 'Fine-tuning'} steps`, value: String(cfg.get<number>('jobs.trainSteps', 200)), validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 ? undefined : 'a positive integer') });
      if (steps === undefined) return undefined;
      const train: JobSpec['train'] = { model, hook, corpus, steps: Number(steps), d_sae: cfg.get<number>('jobs.dSae', 256), architecture: 'jumprelu', ...(out ? { out } : {}) };
      if (kind === 'finetune') {
        if (!sae) throw new Error('set jumplens.sae (JumpLens: Select SAE) to fine-tune it');
        const mode = await vscode.window.showQuickPick(['All parameters', 'Thresholds only'], { placeHolder: 'What to fine-tune' });
        if (!mode) return undefined;
        Object.assign(train, { initFrom: sae, thresholdsOnly: mode === 'Thresholds only' });
      }
      return { kind, train, model, sae };
    }
    const tokens = cfg.get<number>('jobs.evalTokens', 4096);
    if (kind === 'sweepThreshold') {
      const s = await vscode.window.showInputBox({ prompt: 'Threshold scales (comma-separated)', value: '0.5, 0.75, 1, 1.25, 1.5', validateInput: (v) => (v.split(',').every((x) => Number(x) > 0) ? undefined : 'positive numbers separated by commas') });
      if (s === undefined) return undefined;
      return { kind, sae, model, corpus, tokens, scales: s.split(',').map(Number) };
    }
    return { kind, sae, model, corpus, tokens };
  };
  const runJob = (kind: JobKind) => async () => {
    need();
    const spec = await jobSpec(kind);
    if (spec) await jobs.run(spec);
  };

  reg('jumplens.selectModel', async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this model', filters: { 'Models (llama2.c .bin, safetensors, config.json)': ['bin', 'safetensors', 'json'] } });
    if (picked?.[0]) await vscode.workspace.getConfiguration('jumplens').update('model', picked[0].fsPath, vscode.ConfigurationTarget.Workspace);
  });
  reg('jumplens.selectSae', async () => {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, canSelectFiles: false, canSelectFolders: true, openLabel: 'Use this SAE (SAELens folder)' });
    if (picked?.[0]) await vscode.workspace.getConfiguration('jumplens').update('sae', picked[0].fsPath, vscode.ConfigurationTarget.Workspace);
  });
  reg('jumplens.analyzeDocument', async () => {
    const e = vscode.window.activeTextEditor;
    if (!e) throw new Error('open a document first');
    const uri = e.document.uri.toString();
    const langs = vscode.workspace.getConfiguration('jumplens').get<string[]>('languages', ['jumplens-prompt']);
    const now = analyzed.get(uri) ?? langs.includes(e.document.languageId);
    analyzed.set(uri, !now);
    await need().sendRequest(Methods.setAnalyzed, { uri, analyzed: !now } satisfies SetAnalyzedParams);
    if (now) decorations.forget(uri);
    vscode.window.setStatusBarMessage(`JumpLens: analysis ${now ? 'off' : 'on'} for ${e.document.fileName}`, 4000);
  });
  reg('jumplens.toggleDecorations', async () => {
    decorations.enabled = !decorations.enabled;
    decorations.renderAll();
  });
  reg('jumplens.focusFeature', focus);
  // The daemon's ws endpoint for the webviews (dashboard, feature browser).
  const getEndpoint = async (): Promise<{ url: string; token: string } | undefined> =>
    client?.state === State.Running ? client.sendRequest<{ url: string; token: string }>(Methods.apiEndpoint).catch(() => undefined) : undefined;
  reg('jumplens.openFeatureBrowser', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.jumplens');
  });
  const webviewHooks = {
    focusFeature: (f: number) => void vscode.commands.executeCommand('jumplens.focusFeature', f),
    // A frontier point picked in the dashboard becomes the workspace's SAE; the daemon reloads on the change.
    loadSae: (p: string) => void vscode.workspace.getConfiguration('jumplens').update('sae', p, vscode.ConfigurationTarget.Workspace),
  };
  const browser = new FeatureBrowserViewProvider(context.extensionUri, { getEndpoint, ...webviewHooks });
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(FeatureBrowserViewProvider.viewType, browser));
  reg('jumplens.openDashboard', () => void openDashboard(context, getEndpoint, webviewHooks));
  reg('jumplens.trainSae', runJob('train'));
  reg('jumplens.fineTuneSae', runJob('finetune'));
  reg('jumplens.thresholdSweep', runJob('sweepThreshold'));
  reg('jumplens.evaluateSae', runJob('eval'));
  reg('jumplens.buildFeatureStore', runJob('featureStore'));
  reg('jumplens.showJobs', async () => {
    const list = await need().sendRequest<JobInfo[]>(Methods.listJobs);
    if (!list.length) return void vscode.window.showInformationMessage('JumpLens: no jobs yet');
    const pick = await vscode.window.showQuickPick(
      list.map((j) => ({ label: `${j.spec.kind} · ${j.state}`, description: j.id, detail: j.progress ? `step ${j.progress.step}/${j.progress.total}${j.error ? ` — ${j.error}` : ''}` : j.error, job: j })),
      { placeHolder: 'JumpLens jobs' },
    );
    if (!pick) return;
    const j = pick.job;
    const actions = ['Open run folder', ...(j.state === 'running' || j.state === 'queued' ? ['Cancel'] : []), ...(j.state === 'interrupted' ? ['Resume'] : [])];
    const a = await vscode.window.showQuickPick(actions, { placeHolder: `job ${j.id}` });
    if (a === 'Open run folder') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(j.dir));
    else if (a === 'Cancel' || a === 'Resume') await need().sendRequest(ExecuteCommandRequest.type, { command: a === 'Cancel' ? Commands.cancel : Commands.resume, arguments: [{ jobId: j.id }] });
  });
  reg('jumplens.restartDaemon', async () => {
    await stop();
    await start();
  });
  reg('jumplens.showStatus', async () => {
    await refreshStatus();
    const s = status.last;
    const lines = s
      ? [
          `Backend: ${s.backend.label} — ${s.backend.detail}`,
          `Model: ${s.model ? `${s.model.name} (d_model ${s.model.dModel}, ${s.model.nLayers} layers)` : 'none'}`,
          `SAE: ${s.sae ? `${s.sae.architecture}, d_sae ${s.sae.dSae}, ${s.sae.hook}` : 'none'}`,
          `Last encode: ${s.lastLatencyMs !== undefined ? `${Math.round(s.lastLatencyMs)} ms` : '—'}`,
          `Tensors: ${s.memory.numTensors} (${(s.memory.numBytes / 1e6).toFixed(1)} MB)`,
          `Daemon runtime: ${runtime}`,
          ...(s.error ? [`Error: ${s.error}`] : []),
        ]
      : ['The daemon is not running.'];
    const a = await vscode.window.showInformationMessage(`JumpLens\n${lines.join('\n')}`, { modal: false, detail: lines.join('\n') }, 'Restart Daemon', 'Show Log');
    if (a === 'Restart Daemon') await vscode.commands.executeCommand('jumplens.restartDaemon');
    else if (a === 'Show Log') output.show();
  });

  context.subscriptions.push(
    vscode.window.onDidChangeVisibleTextEditors(() => decorations.renderAll()),
    vscode.window.onDidChangeActiveTextEditor(() => void refreshStatus()),
    vscode.window.onDidChangeTextEditorVisibleRanges((e) => viewChanged(e.textEditor)),
    vscode.workspace.onDidCloseTextDocument((d) => {
      decorations.forget(d.uri.toString());
      viewAsked.delete(d.uri.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('jumplens.decorations')) {
        decorations.enabled = vscode.workspace.getConfiguration('jumplens.decorations').get<boolean>('enabled', true);
        decorations.renderAll();
      }
      if (e.affectsConfiguration('jumplens.server.nodePath')) void vscode.commands.executeCommand('jumplens.restartDaemon');
    }),
    { dispose: () => void stop() },
  );
  await start();
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop(5000).catch(() => undefined);
}
