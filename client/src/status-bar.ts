// The status bar item: which backend, model and SAE the daemon has live, and the last encode
// latency. Clicking it runs jumplens.showStatus (details + restart).
import * as vscode from 'vscode';
import type { StatusResult } from '../../protocol';
import { summarize } from './status-text';

export class StatusBar implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('jumplens.status', vscode.StatusBarAlignment.Right, 100);
  last: StatusResult | undefined;

  constructor() {
    this.item.name = 'JumpLens';
    this.item.command = 'jumplens.showStatus';
    this.set(undefined, true);
    this.item.show();
  }

  set(s: StatusResult | undefined, starting = false): void {
    this.last = s;
    const { text, tooltip } = summarize(s, starting);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = s?.error ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  latency(ms: number): void {
    if (this.last) this.set({ ...this.last, lastLatencyMs: ms });
  }

  dispose(): void {
    this.item.dispose();
  }
}
