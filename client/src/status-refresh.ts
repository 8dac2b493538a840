// The status bar follows the active editor: a `.jlp` file's directives may pick another model or
// SAE, so the item is re-asked from the daemon whenever the active file or its analysis changes.
// One request at a time; a refresh asked for meanwhile runs once the current one is answered.
import * as vscode from 'vscode';
import { State, type LanguageClient } from 'vscode-languageclient/node';
import { Methods, type StatusParams, type StatusResult } from '../../protocol';
import type { StatusBar } from './status-bar';

export class StatusRefresh {
  private inFlight: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly status: StatusBar,
    /** Told each status the daemon answers (the dashboard highlights the loaded SAE). */
    private readonly onStatus: (s: StatusResult) => void = () => {},
  ) {}

  async refresh(): Promise<void> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    const c = this.client();
    if (!c || c.state !== State.Running) return;
    this.inFlight = (async () => {
      do {
        this.again = false;
        const uri = vscode.window.activeTextEditor?.document.uri.toString();
        // A failure means the daemon is restarting; its next statusChanged refreshes the item.
        const s = await c.sendRequest<StatusResult>(Methods.status, { uri } satisfies StatusParams).catch(() => undefined);
        if (s) {
          this.status.set(s);
          this.onStatus(s);
        }
      } while (this.again && c.state === State.Running);
    })();
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
  }
}
