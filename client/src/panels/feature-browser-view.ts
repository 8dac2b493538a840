// The feature browser as a webview view in the JumpLens activity-bar container.
import type * as vscode from 'vscode';
import type { TokenFeatures } from '../../../protocol';
import { bridge, postToWebview, sendEndpoint, setWebviewHtml, type WebviewHooks } from './webview-bridge';

export class FeatureBrowserViewProvider implements vscode.WebviewViewProvider {
  static readonly viewType = 'jumplens.featureBrowser';
  private view: vscode.WebviewView | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly hooks: WebviewHooks,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    setWebviewHtml(view.webview, this.extensionUri, 'features', 'JumpLens Features');
    const sub = bridge(view.webview, this.hooks);
    view.onDidDispose(() => {
      sub.dispose();
      this.view = undefined;
    });
  }

  /** The hovered token's features: the browser marks them and the open card marks its value. */
  hoveredToken(token: TokenFeatures): void {
    if (this.view) postToWebview(this.view.webview, { type: 'hoveredToken', token });
  }

  /** The daemon restarted: the browser reconnects to its new endpoint. */
  async daemonRestarted(): Promise<void> {
    if (this.view) await sendEndpoint(this.view.webview, this.hooks);
  }
}
