// The daemon process entry (bundled to dist/server/daemon.js; `jumplens daemon` runs the same).
// On stdio every byte on stdout must be a JSON-RPC frame, so console output is sent to stderr
// BEFORE anything that might print (the engine, tfjs) is loaded: the daemon is required, not imported.
import type { DaemonSettings } from './session/settings';

export function redirectConsoleToStderr(): void {
  const toErr = (...a: unknown[]) => console.error(...a);
  console.log = console.info = console.debug = console.warn = toErr;
}

/**
 * One client's or one job's failure must not end the daemon: an uncaught error is logged and the
 * daemon keeps serving. When it does exit, a running job is left `running` on disk with its lock's
 * pid dead, which the next daemon lists as `interrupted` and can resume from its last checkpoint.
 */
export function keepServingOnErrors(): void {
  process.on('uncaughtException', (e) =>
    console.error(`jumplens daemon: uncaught error (still serving): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  );
  process.on('unhandledRejection', (e) =>
    console.error(`jumplens daemon: unhandled rejection (still serving): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  );
}

/** The language server on stdio or node IPC (what editors run). */
export function runDaemon(mode: 'stdio' | 'node-ipc'): void {
  redirectConsoleToStderr();
  keepServingOnErrors();
  const lsp = require('vscode-languageserver/node') as typeof import('vscode-languageserver/node');
  // require, not import(): the CLI runs sources through tsx's CommonJS hook, which import() bypasses.
  const { startLanguageServer } = require('./daemon') as typeof import('./daemon');
  const reader = mode === 'stdio' ? new lsp.StreamMessageReader(process.stdin) : undefined;
  // Bad framing (a wrong Content-Length, garbage headers) cannot be resynchronised: log it and end,
  // rather than wait forever for bytes that will never complete the frame.
  const writer = mode === 'stdio' ? new lsp.StreamMessageWriter(process.stdout) : undefined;
  reader?.onError((e) => {
    // A whole frame whose body is not JSON: the framing is intact, so answer it (JSON-RPC -32700) and go on.
    if (e instanceof SyntaxError || (e as { cause?: unknown }).cause instanceof SyntaxError || /JSON/.test(String((e as Error)?.message))) {
      console.error(`jumplens daemon: LSP message is not valid JSON: ${(e as Error).message}`);
      void writer?.write({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: the message body is not valid JSON' } } as never);
      return;
    }
    console.error(`jumplens daemon: LSP stream error, closing: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
  const connection =
    reader && writer
      ? lsp.createConnection(lsp.ProposedFeatures.all, reader, writer)
      : lsp.createConnection(lsp.ProposedFeatures.all, new lsp.IPCMessageReader(process), new lsp.IPCMessageWriter(process));
  startLanguageServer(connection);
  // The editor died or closed our stdin: do not linger (LSP: exit code 1 without a shutdown).
  if (mode === 'stdio') process.stdin.on('end', () => process.exit(1));
}

/** The ws API alone (`jumplens daemon --ws`): for the webview or a remote GPU box. */
export async function runWsDaemon(o: { host: string; port: number; runsDir: string; settings: Partial<DaemonSettings>; allow?: string[] }): Promise<void> {
  redirectConsoleToStderr();
  keepServingOnErrors();
  const { Daemon } = require('./daemon') as typeof import('./daemon');
  const { mergeSettings, DEFAULT_SETTINGS } = require('./session/settings') as typeof import('./session/settings');
  const settings = mergeSettings(DEFAULT_SETTINGS, o.settings);
  const daemon = new Daemon(() => settings);
  // The folder the daemon was started in is its workspace; --allow adds more (fs-policy.ts).
  daemon.workspaceFolders = [process.cwd(), ...(o.allow ?? [])];
  daemon.openJobs(o.runsDir);
  const h = await daemon.startWs({ host: o.host, port: o.port });
  // The token is printed once, to stderr, for whoever started the daemon.
  console.error(`jumplens daemon: ws listening on ${h.url}`);
  console.error(`jumplens daemon: token ${h.token}`);
  if (h.host !== '127.0.0.1' && h.host !== '::1' && h.host !== 'localhost') {
    console.error(`jumplens daemon: WARNING: bound to ${h.host}, reachable from other machines (token required)`);
  }
  const stop = async () => {
    await daemon.dispose();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

// Run directly (node dist/server/daemon.js --stdio | --node-ipc), as the VS Code client does.
if (require.main === module) {
  runDaemon(process.argv.includes('--node-ipc') ? 'node-ipc' : 'stdio');
}
