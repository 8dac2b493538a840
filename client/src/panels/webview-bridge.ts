// What both JumpLens webviews need from the extension side: hand the page the daemon's ws endpoint
// when it says it is ready (and again whenever the daemon restarts), and act on its UI messages.
// Every daemon request goes over the ws API. A page is untrusted input: each message it posts is
// validated (protocol/webview-schemas.ts) before anything happens, and `open` reaches only the
// workspace and the runs folder.
import * as vscode from 'vscode';
import {
  parseSteerPanelMessage,
  parseWebviewMessage,
  type ExtensionMessage,
  type FormPrefill,
  type SteerPanelMessage,
  type WebviewMessage,
} from '../../../protocol/webview';
import { isInside } from './open-policy';
import { webviewHtml } from './webview-html';

export type ToWebview = ExtensionMessage;

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
  /** The folders an `open` message may reach (workspace folders, runs folder). */
  openRoots: () => string[];
  /** The dashboard form's defaults (current model, SAE and its hook, jobs corpus). */
  prefill: () => Promise<FormPrefill>;
  log: (line: string) => void;
}

export function setWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: 'dashboard' | 'features' | 'steer', title: string): void {
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

/** Tells a page where the daemon is now (after its 'ready', and after each daemon restart). */
export async function sendEndpoint(webview: vscode.Webview, hooks: WebviewHooks): Promise<void> {
  const ep = await hooks.getEndpoint();
  if (ep) postToWebview(webview, { type: 'endpoint', url: ep.url, token: ep.token });
}

/** Acts on one validated page message; `onReady` adds what a particular page needs on 'ready'. */
export async function handleWebviewMessage(webview: vscode.Webview, hooks: WebviewHooks, m: WebviewMessage, onReady?: () => void): Promise<void> {
  switch (m.type) {
    case 'ready':
      await sendEndpoint(webview, hooks);
      onReady?.();
      break;
    case 'focusFeature':
      hooks.focusFeature(m.feature);
      break;
    case 'loadSae':
      hooks.loadSae(m.path);
      break;
    case 'open':
      if (!isInside(m.path, hooks.openRoots())) {
        hooks.log(`webview asked to open ${m.path}, outside the workspace and runs folder; refused`);
        void vscode.window.showWarningMessage(`JumpLens: not opening ${m.path}: only files in the workspace or its runs folder can be opened from a webview.`);
        break;
      }
      void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(m.path));
      break;
  }
}

export function bridge(webview: vscode.Webview, hooks: WebviewHooks, onReady?: () => void): vscode.Disposable {
  return webview.onDidReceiveMessage(async (raw: unknown) => {
    const r = parseWebviewMessage(raw);
    if (!r.ok) return hooks.log(r.error);
    await handleWebviewMessage(webview, hooks, r.msg, onReady);
  });
}

/** The steer panel's page (it speaks its own messages, not the ws pages'): each one validated before `act` sees it. */
export function bridgeSteer(webview: vscode.Webview, log: (line: string) => void, act: (m: SteerPanelMessage) => void): vscode.Disposable {
  return webview.onDidReceiveMessage((raw: unknown) => {
    const r = parseSteerPanelMessage(raw);
    if (!r.ok) return log(r.error);
    act(r.msg);
  });
}
