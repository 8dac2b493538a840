// The in-process tests' daemon: an LspServer over a real Daemon (the shipped model and default
// SAE unless the options say otherwise), initialized as an editor would, with no debounce and its
// job runs in a temporary folder.
import * as path from 'node:path';
import type { ClientCapabilities, InitializeResult } from 'vscode-languageserver';
import { Daemon } from '../../server/src/daemon';
import type { LspClient } from '../../server/src/lsp/lsp-client';
import { LspServer } from '../../server/src/lsp/lsp-server';
import { tempDir } from './paths';

export interface InProcessLsp {
  server: LspServer;
  daemon: Daemon;
  init: InitializeResult;
  /** The temporary folder (runs go to `runs/` in it). */
  dir: string;
  /** Shuts the server down, frees the daemon's engines and removes the folder. */
  stop(): Promise<void>;
}

/** `options` are initializationOptions over `{ debounceMs: 0, runsDir: <dir>/runs }`. */
export function startInProcessLsp(client: LspClient, opts: { capabilities?: ClientCapabilities; options?: Record<string, unknown> } = {}): InProcessLsp {
  const tmp = tempDir('jumplens-in-process-lsp-');
  const daemon = new Daemon(() => server.settings);
  const server = new LspServer(client, daemon.lspDeps());
  const init = server.initialize({
    processId: null,
    rootUri: null,
    capabilities: opts.capabilities ?? {},
    initializationOptions: { debounceMs: 0, runsDir: path.join(tmp.dir, 'runs'), ...opts.options },
  });
  return {
    server,
    daemon,
    init,
    dir: tmp.dir,
    async stop() {
      server.shutdown();
      await daemon.dispose();
      tmp.cleanup();
    },
  };
}
