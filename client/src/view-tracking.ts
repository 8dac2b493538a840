// A document analysed in part (over jumplens.maxTokens) follows the view: the daemon is told when
// an editor's visible ranges leave the analysed part. Once per (analysed part, view), so a view the
// daemon cannot cover is not asked for again; scrolling is debounced per document.
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Methods, type Range, type VisibleRangesParams } from '../../protocol';
import { viewLeavesAnalysed } from './view-coverage';

const DEBOUNCE_MS = 150;

export class ViewTracking implements vscode.Disposable {
  private readonly asked = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly client: () => LanguageClient | undefined,
    /** The analysed range of a document analysed in part (undefined: all of it, or nothing yet). */
    private readonly partialRange: (uri: string) => Range | undefined,
  ) {}

  /** Sends the editor's view now, when it leaves the analysed part. */
  send(editor: vscode.TextEditor): void {
    const uri = editor.document.uri.toString();
    const ranges = editor.visibleRanges.map((r) => ({
      start: { line: r.start.line, character: r.start.character },
      end: { line: r.end.line, character: r.end.character },
    }));
    const analysed = this.partialRange(uri);
    const c = this.client();
    if (!c || c.state !== State.Running || !viewLeavesAnalysed(analysed, ranges)) return;
    const key = JSON.stringify([analysed, ranges]);
    if (this.asked.get(uri) === key) return;
    this.asked.set(uri, key);
    void c.sendNotification(Methods.visibleRanges, { uri, ranges } satisfies VisibleRangesParams);
  }

  /** Every editor showing `uri` (a partial analysis of it just arrived). */
  sendFor(uri: string): void {
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === uri) this.send(e);
  }

  /** The view scrolled: send it once scrolling pauses. */
  changed(editor: vscode.TextEditor): void {
    const uri = editor.document.uri.toString();
    clearTimeout(this.timers.get(uri));
    this.timers.set(
      uri,
      setTimeout(() => this.send(editor), DEBOUNCE_MS),
    );
  }

  forget(uri: string): void {
    this.asked.delete(uri);
    clearTimeout(this.timers.get(uri));
    this.timers.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
