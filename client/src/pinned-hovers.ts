// The read-only documents pinned hovers live in (pinned-hover.ts builds their names and text): a
// content provider for the jumplens-pinned scheme, so VS Code shows them as markdown that cannot be
// edited or saved, each until its tab is closed.
import * as vscode from 'vscode';
import { PIN_SCHEME } from './pinned-hover';

export class PinnedHovers implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(PIN_SCHEME, this);
  private readonly closing = vscode.workspace.onDidCloseTextDocument((d) => d.uri.scheme === PIN_SCHEME && this.texts.delete(d.uri.path));

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '_This pinned hover was closed; pin the token again._';
  }

  /** Shows `text` as the pinned document `path` beside the active editor, replacing an older pin of it. */
  async show(path: string, text: string): Promise<void> {
    const uri = vscode.Uri.from({ scheme: PIN_SCHEME, path });
    const had = this.texts.has(path);
    this.texts.set(path, text);
    if (had) this.changed.fire(uri);
    // The `.md` path makes it a markdown document.
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true, preview: false });
  }

  dispose(): void {
    this.registration.dispose();
    this.closing.dispose();
    this.changed.dispose();
  }
}
