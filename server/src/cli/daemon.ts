// `jumplens daemon`: the language server on stdio / node IPC (what editors run), or the WebSocket
// API alone (`--ws`, for the webview or a remote GPU box). Both are built by server/src/daemon.ts.
import type { Command } from 'commander';
import * as path from 'node:path';
import { DEFAULT_MODEL, DEFAULT_WS_HOST, RUNS_SUBDIR } from '../defaults';

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the analysis daemon: LSP on stdio/node IPC, or the WebSocket API (--ws)')
    .option('--stdio', 'language server over stdin/stdout (for editors)')
    .option('--node-ipc', 'language server over node IPC (VS Code)')
    .option('--ws', 'serve the WebSocket API only')
    .option('--port <port>', 'ws port (0 = any free port)', '0')
    .option('--host <host>', 'ws bind address; anything but loopback is an explicit opt-in for remote clients', DEFAULT_WS_HOST)
    .option('--model <model>', 'ws mode: model path or name', DEFAULT_MODEL)
    .option('--sae <dir>', 'ws mode: SAE folder')
    .option('--runs <dir>', 'ws mode: runs folder', path.join(...RUNS_SUBDIR))
    .option('--allow <dir...>', 'ws mode: more folders ws clients and jobs may read and write (besides this folder, runs, models, the SAE)')
    .action(
      async (o: {
        stdio?: boolean;
        nodeIpc?: boolean;
        ws?: boolean;
        port: string;
        host: string;
        model: string;
        sae?: string;
        runs: string;
        allow?: string[];
      }) => {
        const { runDaemon, runWsDaemon } = require('../daemon-main') as typeof import('../daemon-main');
        if (o.stdio || o.nodeIpc) return runDaemon(o.nodeIpc ? 'node-ipc' : 'stdio');
        if (!o.ws) throw new Error('daemon: choose a transport: --stdio, --node-ipc or --ws');
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${o.port}: not a port number`);
        await runWsDaemon({
          host: o.host,
          port,
          runsDir: path.resolve(o.runs),
          settings: { model: o.model, sae: o.sae },
          allow: (o.allow ?? []).map((d: string) => path.resolve(d)),
        });
      },
    );
}
