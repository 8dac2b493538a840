// The dashboard as a singleton editor panel ("JumpLens: Open Dashboard").
import * as vscode from 'vscode';
import { bridge, postToWebview, sendEndpoint, setWebviewHtml, type ToWebview, type WebviewHooks } from './webview-bridge';

export class DashboardPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** The SAE the daemon has loaded, told to each newly opened dashboard too. */
  private currentSae: string | null = null;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly hooks: WebviewHooks,
  ) {}

  open(): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.reveal();
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel('jumplens.dashboard', 'JumpLens Dashboard', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    });
    setWebviewHtml(panel.webview, this.extensionUri, 'dashboard', 'JumpLens Dashboard');
    // Posted once the page listens (its 'ready'); a message posted before its script runs is lost.
    const sub = bridge(panel.webview, this.hooks, () => {
      postToWebview(panel.webview, { type: 'currentSae', path: this.currentSae });
      void this.sendPrefill();
    });
    panel.onDidDispose(() => {
      sub.dispose();
      this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  /** Tells an open dashboard which SAE the daemon has loaded (highlighted on the frontier, and the forms' default). */
  setCurrentSae(path: string | null): void {
    if (path === this.currentSae) return;
    this.currentSae = path;
    this.post({ type: 'currentSae', path });
    void this.sendPrefill();
  }

  /** The daemon restarted: an open dashboard reconnects to its new endpoint. */
  async daemonRestarted(): Promise<void> {
    if (this.panel) await sendEndpoint(this.panel.webview, this.hooks);
  }

  private async sendPrefill(): Promise<void> {
    if (this.panel) this.post({ type: 'prefill', prefill: await this.hooks.prefill() });
  }

  private post(m: ToWebview): void {
    if (this.panel) postToWebview(this.panel.webview, m);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
