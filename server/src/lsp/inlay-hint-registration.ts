// Inlay hints are off by default, and an editor asks a registered provider for them after every
// keystroke (VS Code does: a round trip through the extension host and the daemon per key, for an
// empty list). So, where the client registers providers at run time, the provider is registered
// only while jumplens.inlayHints.enabled is on; other clients get it at initialize.
import type { ClientCapabilities } from 'vscode-languageserver/node';
import type { LspClient } from './lsp-client';

export class InlayHintRegistration {
  /** Whether the provider follows the setting at run time (else it is announced at initialize). */
  readonly atRunTime: boolean;
  /** The run-time registration, once made; changes queue behind each other. */
  private registration: Promise<{ dispose(): void } | undefined> = Promise.resolve(undefined);

  constructor(
    private readonly client: LspClient,
    capabilities: ClientCapabilities,
    private readonly enabled: () => boolean,
  ) {
    this.atRunTime = capabilities.textDocument?.inlayHint?.dynamicRegistration === true && client.registerInlayHints !== undefined;
  }

  /** Registers or unregisters the provider as the setting now says; changes in quick succession end as the last one says. */
  sync(): Promise<void> {
    if (!this.atRunTime) return Promise.resolve();
    this.registration = this.registration.then(async (reg) => {
      if (this.enabled() === (reg !== undefined)) return reg;
      if (reg) return void reg.dispose();
      try {
        return await this.client.registerInlayHints!();
      } catch (e) {
        this.client.error(`inlay hints: the editor refused their registration: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      }
    });
    return this.registration.then(() => undefined);
  }
}
