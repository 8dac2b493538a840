// The dashboard as a singleton editor panel ("JumpLens: Open Dashboard").
import * as vscode from 'vscode';
import { bridge, postToWebview, setWebviewHtml, type WebviewHooks } from './webview-bridge';

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
    const sub = bridge(panel.webview, this.hooks);
    // Posted once the page listens (its 'ready'); a message posted before its script runs is lost.
    const ready = panel.webview.onDidReceiveMessage((m: { type?: string }) => {
      if (m?.type === 'ready') postToWebview(panel.webview, { type: 'currentSae', path: this.currentSae });
    });
    panel.onDidDispose(() => {
      sub.dispose();
      ready.dispose();
      this.panel = undefined;
    });
    this.panel = panel;
    return panel;
  }

  /** Tells an open dashboard which SAE the daemon has loaded (highlighted on the frontier). */
  setCurrentSae(path: string | null): void {
    if (path === this.currentSae) return;
    this.currentSae = path;
    if (this.panel) postToWebview(this.panel.webview, { type: 'currentSae', path });
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
