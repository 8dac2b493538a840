// What the language server sends to its editor, as an interface: lsp-connection.ts implements it
// over a real LSP connection, the in-process tests with a recorder.
import type { NotificationType } from 'vscode-jsonrpc';
import type { Diagnostic, ProgressToken } from 'vscode-languageserver';

/** One work-done progress (`$/progress` begin, reports, end). */
export interface ProgressReporter {
  begin(title: string, message?: string, cancellable?: boolean): void;
  report(percentage: number | undefined, message?: string): void;
  /** Ends the progress; `message` is the outcome (state, main metrics, output path). */
  end(message: string): void;
  /** Called when the user cancels a progress the server created (the client handles its own tokens). */
  onCancel(cb: () => void): void;
}

export interface LspClient {
  notify<P>(type: NotificationType<P>, params: P): void;
  publishDiagnostics(uri: string, diagnostics: Diagnostic[]): void;
  /** A line in the editor's output for the daemon. */
  error(message: string): void;
  /** The `section` settings (`workspace/configuration`). */
  configuration(section: string): Promise<unknown>;
  /**
   * A progress on the client's `token` when it sent one (LSP WorkDoneProgressParams), else one the
   * server creates; undefined when the client shows no progress.
   */
  progress(token: ProgressToken | undefined): Promise<ProgressReporter | undefined>;
  /** `workspace/semanticTokens/refresh` or `workspace/inlayHint/refresh` (only sent to clients that support it). */
  refresh?(what: 'semanticTokens' | 'inlayHint'): void;
  /**
   * Registers the inlay-hint provider at run time (`client/registerCapability`); disposing the result
   * unregisters it. Absent where the connection cannot.
   */
  registerInlayHints?(): Promise<{ dispose(): void }>;
}
