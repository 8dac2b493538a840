// The steer panel (issue #15), one beside the editor: the prompt up to a cursor continued with and
// without an intervention on one feature. The page talks only to the extension; every message it
// posts is validated (protocol/webview.ts) and each run goes to the daemon as `jumplens/steer` over
// LSP. Clamp values travel in units of the feature's max activation (the store's maxAct), so the
// panel learns maxAct from a first result before it can send an absolute clamp.
import * as vscode from 'vscode';
import type { SteerParams, SteerResult } from '../../../protocol';
import type { SteerPanelUpdate, SteerTarget } from '../../../protocol/webview';
import { errorText } from '../error-text';
import { interventionFor } from './steer-panel-math';
import { bridgeSteer, setWebviewHtml } from './webview-bridge';

export type SteerSend = (p: SteerParams) => Promise<SteerResult>;

export class SteerPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private target: SteerTarget | undefined;
  /** Each feature's maxAct as the daemon reported it (undefined: known to have none). */
  private readonly maxAct = new Map<number, number | undefined>();
  /** Bumped per run: a result that comes back after a newer run started is dropped. */
  private runId = 0;
  private steps = 24;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly send: SteerSend,
    private readonly log: (line: string) => void,
  ) {}

  open(target: SteerTarget): void {
    this.target = target;
    if (this.panel) {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      this.post({ type: 'steerTarget', target });
      void this.run();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      'jumplens.steer',
      `Steer #${target.feature}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
      },
    );
    setWebviewHtml(panel.webview, this.extensionUri, 'steer', 'JumpLens Steer');
    const sub = bridgeSteer(panel.webview, this.log, (m) => {
      const t = this.target;
      if (!t) return;
      if (m.type === 'ready') {
        this.post({ type: 'steerTarget', target: t });
        void this.run();
        return;
      }
      this.target = { ...t, mode: m.mode, ...(m.value === undefined ? {} : { value: m.value }) };
      if (m.steps !== undefined) this.steps = m.steps;
      void this.run();
    });
    panel.onDidDispose(() => {
      sub.dispose();
      this.panel = undefined;
    });
    this.panel = panel;
  }

  private async run(): Promise<void> {
    const t = this.target;
    if (!t || !this.panel) return;
    const id = ++this.runId;
    this.panel.title = `Steer #${t.feature}`;
    try {
      // A clamp in maxAct units needs maxAct: an ablation of the same feature reports it.
      if (t.mode === 'clamp' && !this.maxAct.has(t.feature)) await this.request(t, { ...t, mode: 'ablate' });
      const result = await this.request(t, t);
      if (id === this.runId) this.post({ type: 'steerResult', result, target: t });
    } catch (e) {
      if (id === this.runId) this.post({ type: 'steerError', error: errorText(e) });
    }
  }

  private async request(t: SteerTarget, as: SteerTarget): Promise<SteerResult> {
    const result = await this.send({ uri: t.uri, position: t.position, interventions: [interventionFor(as, this.maxAct.get(t.feature))], steps: this.steps });
    const info = result.features.find((f) => f.feature === t.feature);
    this.maxAct.set(t.feature, info?.maxAct);
    return result;
  }

  private post(m: SteerPanelUpdate): void {
    if (this.panel) void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
