// Binds an LspServer to an LSP connection (typescript-language-server's lsp-connection.ts): one
// line per handler, and the LspClient the server sends through.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  InlayHintRequest,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
  type Connection,
  type InitializeParams,
  type ProgressToken,
} from 'vscode-languageserver/node';
import {
  ApiEndpointRequest,
  Commands,
  FocusFeatureRequest,
  JobsRequest,
  ListJobsRequest,
  SetAnalyzedRequest,
  StatusRequest,
  SteerRequest,
  VisibleRangesNotification,
  type StatusParams,
} from '../../../protocol';
import type { LspClient, ProgressReporter } from './lsp-client';
import { LspServer, type LspServerDeps } from './lsp-server';

/** Builds the LspServer for `connection` and routes every message to it; `onShutdown` frees what the root built. */
export function bindLspConnection(
  connection: Connection,
  deps: LspServerDeps,
  onShutdown: () => Promise<void>,
  onWorkspace?: (folders: string[]) => void,
): LspServer {
  let hasProgress = false;
  /** Server-created progresses, by token, so a cancel from the editor reaches its job. */
  const cancels = new Map<ProgressToken, () => void>();
  const progressOn = (token: ProgressToken): ProgressReporter => ({
    begin: (title, message, cancellable) => void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'begin', title, message, cancellable }),
    report: (percentage, message) => void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'report', percentage, message }),
    end: (message) => {
      cancels.delete(token);
      void connection.sendProgress(WorkDoneProgress.type, token, { kind: 'end', message });
    },
    onCancel: (cb) => void cancels.set(token, cb),
  });
  const client: LspClient = {
    notify: (type, params) => void connection.sendNotification(type.method, params),
    publishDiagnostics: (uri, diagnostics) => void connection.sendDiagnostics({ uri, diagnostics }),
    error: (message) => connection.console.error(message),
    configuration: (section) => connection.workspace.getConfiguration(section),
    registerInlayHints: () => connection.client.register(InlayHintRequest.type, { documentSelector: null }),
    refresh: (what) =>
      void (what === 'semanticTokens' ? connection.languages.semanticTokens.refresh() : connection.languages.inlayHint.refresh()).catch(() => undefined),
    async progress(token) {
      if (token !== undefined) return progressOn(token);
      if (!hasProgress) return undefined;
      const own = randomUUID();
      await connection.sendRequest(WorkDoneProgressCreateRequest.type, { token: own });
      return progressOn(own);
    },
  };
  const server = new LspServer(client, deps);

  connection.onInitialize((p: InitializeParams) => {
    hasProgress = p.capabilities.window?.workDoneProgress === true;
    const uris = p.workspaceFolders?.map((f) => f.uri) ?? (p.rootUri ? [p.rootUri] : []);
    onWorkspace?.(uris.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)));
    return server.initialize(p);
  });
  connection.onInitialized(() => {
    // Registered after initialize, where vscode-languageserver installs its own handler for the
    // progresses it creates (this server creates its own, to end them with the job's outcome).
    connection.onNotification(WorkDoneProgressCancelNotification.type, (p) => cancels.get(p.token)?.());
    return server.initialized();
  });
  connection.onDidChangeConfiguration((p) => server.didChangeConfiguration(p));
  connection.onDidOpenTextDocument((p) => server.didOpen(p));
  connection.onDidChangeTextDocument((p) => server.didChange(p));
  connection.onDidCloseTextDocument((p) => server.didClose(p));
  connection.onDidSaveTextDocument(() => server.didSave());
  connection.onCompletion((p) => server.completion(p));
  connection.onHover((p) => server.hover(p));
  connection.languages.inlayHint.on((p) => server.inlayHint(p));
  connection.onExecuteCommand((p) => (p.command === Commands.steer ? server.executeSteer(p) : server.executeCommand(p)));
  connection.onRequest(SetAnalyzedRequest, (p) => server.setAnalyzed(p));
  connection.onNotification(VisibleRangesNotification, (p) => server.visibleRanges(p));
  // By name: a typed one-parameter handler would refuse the params-less `jumplens/status` the protocol allows.
  connection.onRequest(StatusRequest.method, (p?: StatusParams) => server.status(p));
  connection.onRequest(FocusFeatureRequest, (p) => server.focusFeature(p));
  connection.onRequest(ListJobsRequest, () => server.listJobs());
  connection.onRequest(ApiEndpointRequest, () => server.apiEndpoint());
  // Issue #13: semantic token levels and the jobs view for any LSP client.
  connection.languages.semanticTokens.on((p) => server.semanticTokensFull(p));
  connection.languages.semanticTokens.onDelta((p) => server.semanticTokensDelta(p));
  connection.onRequest(JobsRequest, () => server.jobSummaries());
  connection.onRequest(SteerRequest, (p) => server.steer(p));
  let shutDown = false;
  connection.onShutdown(async () => {
    shutDown = true;
    server.shutdown();
    await onShutdown();
  });
  // LSP: exit code 0 after a shutdown request, 1 without one.
  connection.onExit(() => process.exit(shutDown ? 0 : 1));
  connection.listen();
  return server;
}
