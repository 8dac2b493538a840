// `jumplens daemon`: the language server on stdio / node IPC (what editors run), or the WebSocket
// API alone (`--ws`, for the webview or a remote GPU box).
import type { Command } from 'commander';
import * as path from 'node:path';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the analysis daemon: LSP on stdio/node IPC, or the WebSocket API (--ws)')
    .option('--stdio', 'language server over stdin/stdout (for editors)')
    .option('--node-ipc', 'language server over node IPC (VS Code)')
    .option('--ws', 'serve the WebSocket API only')
    .option('--port <port>', 'ws port (0 = any free port)', '0')
    .option('--host <host>', 'ws bind address; anything but loopback is an explicit opt-in for remote clients', '127.0.0.1')
    .option('--model <model>', 'ws mode: model path or name', 'stories260K.bin')
    .option('--sae <dir>', 'ws mode: SAE folder')
    .option('--runs <dir>', 'ws mode: runs folder', path.join('.jumplens', 'runs'))
    .action(async (o: { stdio?: boolean; nodeIpc?: boolean; ws?: boolean; port: string; host: string; model: string; sae?: string; runs: string }) => {
      const { redirectConsoleToStderr, runDaemon } = (require('../lsp/main') as typeof import('../lsp/main'));
      if (o.stdio || o.nodeIpc) return runDaemon(o.nodeIpc ? 'node-ipc' : 'stdio');
      if (!o.ws) throw new Error('daemon: choose a transport: --stdio, --node-ipc or --ws');
      redirectConsoleToStderr();
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${o.port}: not a port number`);
      const { EngineSession } = (require('../lsp/engine-session') as typeof import('../lsp/engine-session'));
      const { analyzeText } = (require('../lsp/analyze-text') as typeof import('../lsp/analyze-text'));
      const { mergeSettings, DEFAULT_SETTINGS } = (require('../lsp/settings') as typeof import('../lsp/settings'));
      const { JobQueue } = (require('../jobs/job-queue') as typeof import('../jobs/job-queue'));
      const { startWsServer } = (require('../api/ws-server') as typeof import('../api/ws-server'));
      const settings = mergeSettings(DEFAULT_SETTINGS, { model: o.model, sae: o.sae });
      const session = new EngineSession();
      const jobs = new JobQueue(path.resolve(o.runs));
      const h = await startWsServer(
        { status: () => session.status(), analyze: (text, topK) => analyzeText(session, settings, text, topK), jobs, features: () => session.featureOps() },
        { host: o.host, port },
      );
      // The token is printed once, to stderr, for whoever started the daemon.
      console.error(`jumplens daemon: ws listening on ${h.url}`);
      console.error(`jumplens daemon: token ${h.token}`);
      if (h.host !== '127.0.0.1' && h.host !== '::1' && h.host !== 'localhost') {
        console.error(`jumplens daemon: WARNING: bound to ${h.host}, reachable from other machines (token required)`);
      }
      const stop = async () => {
        await h.close();
        await jobs.dispose();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
