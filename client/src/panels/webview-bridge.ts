// What both JumpLens webviews need from the extension side: hand the page the daemon's ws endpoint
// when it says it is ready, and act on its UI messages. Every daemon request goes over the ws API.
import * as vscode from 'vscode';
import type { ExtensionRelayMessage, ExtensionToWebview, WebviewRelayMessage, WebviewToExtension } from '../../../protocol';
import { webviewHtml } from './webview-html';

/** Page -> extension messages the bridge acts on. */
export type FromWebview = WebviewToExtension | Extract<WebviewRelayMessage, { type: 'loadSae' }>;
/** Extension -> page messages. */
export type ToWebview = ExtensionToWebview | Extract<ExtensionRelayMessage, { type: 'currentSae' }>;

export interface DaemonEndpoint {
  url: string;
  token: string;
}

export interface WebviewHooks {
  /** The daemon's ws endpoint and token (LSP request jumplens/apiEndpoint), or undefined while it is starting. */
  getEndpoint: () => Promise<DaemonEndpoint | undefined>;
  /** "Focus in editor" from the feature browser. */
  focusFeature: (feature: number) => void;
  /** A frontier point was picked: load that SAE in the daemon. */
  loadSae: (path: string) => void;
}

export function setWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: 'dashboard' | 'features', title: string): void {
  const dist = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  webview.options = { enableScripts: true, localResourceRoots: [dist] };
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, `${bundle}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, `${bundle}.css`)).toString(),
    title,
  });
}

export function postToWebview(webview: vscode.Webview, m: ToWebview): void {
  void webview.postMessage(m);
}

export function bridge(webview: vscode.Webview, hooks: WebviewHooks): vscode.Disposable {
  return webview.onDidReceiveMessage(async (m: FromWebview) => {
    switch (m.type) {
      case 'ready': {
        const ep = await hooks.getEndpoint();
        if (ep) postToWebview(webview, { type: 'endpoint', url: ep.url, token: ep.token });
        break;
      }
      case 'focusFeature':
        hooks.focusFeature(m.feature);
        break;
      case 'loadSae':
        hooks.loadSae(m.path);
        break;
      case 'open':
        void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(m.path));
        break;
    }
  });
}
