// What both JumpLens webviews need from the extension side: hand the page the daemon's ws endpoint
// when it says it is ready, relay requests when there is no endpoint, and act on its UI messages.
import * as vscode from 'vscode';
import type { ExtensionRelayMessage, ExtensionToWebview, RelayRequest, WebviewRelayMessage, WebviewToExtension, WsReply } from '../../../protocol';
import { webviewHtml } from './webview-html';

export interface DaemonEndpoint {
  url: string;
  token: string;
}

export interface WebviewHooks {
  /** The daemon's ws endpoint and token (LSP request jumplens/apiEndpoint), or undefined while it is starting. */
  getEndpoint: () => Promise<DaemonEndpoint | undefined>;
  /** Optional: run a ws-API request some other way (e.g. over LSP) when the page has no endpoint. */
  relay?: (req: RelayRequest) => Promise<WsReply>;
  /** "Focus in editor" from the feature browser. */
  focusFeature?: (feature: number) => void;
  /** A frontier point was picked: load that SAE in the daemon. */
  loadSae?: (path: string) => void;
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

export function bridge(webview: vscode.Webview, hooks: WebviewHooks): vscode.Disposable {
  const post = (m: ExtensionToWebview | ExtensionRelayMessage) => void webview.postMessage(m);
  return webview.onDidReceiveMessage(async (m: WebviewToExtension | WebviewRelayMessage) => {
    switch (m.type) {
      case 'ready': {
        const ep = await hooks.getEndpoint();
        if (ep) post({ type: 'endpoint', url: ep.url, token: ep.token });
        break;
      }
      case 'request': {
        const reply: WsReply = hooks.relay
          ? await hooks.relay(m.req).catch((e: Error) => ({ id: m.req.id, ok: false as const, error: e.message }))
          : { id: m.req.id, ok: false, error: 'the daemon is not reachable yet' };
        post({ type: 'reply', reply });
        break;
      }
      case 'focusFeature':
        hooks.focusFeature?.(m.feature);
        break;
      case 'loadSae':
        hooks.loadSae?.(m.path);
        break;
      case 'open':
        void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(m.path));
        break;
    }
  });
}
