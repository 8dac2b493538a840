// Starts the JumpLens daemon (dist/server/daemon.js) with vscode-languageclient over node IPC.
// The daemon runs on jumplens.server.nodePath (default: `node` on PATH); when that cannot be
// found it runs on the editor's own runtime (languageclient forks the module without `runtime`).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { DRAWS_TOKEN_FEATURES_OPTION, TOKEN_FEATURES_DELTA_OPTION, type TokenFeatures } from '../../protocol';
import { focusLinksMarkdown, steerLinksMarkdown, tokenAt } from './hover-links';
import { pinLinkMarkdown } from './pinned-hover';
import { resolveNodePath } from './node-path';
import { INIT_OPTION_SETTINGS, withDefaultSae } from './settings-defaults';

export interface DaemonStart {
  client: LanguageClient;
  /** The Node binary the daemon runs on, or 'editor runtime'. */
  runtime: string;
}

export function createDaemonClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  tokensOf: (uri: string) => TokenFeatures[] | undefined,
  colourNoteAt: (uri: string, pos: vscode.Position) => string | undefined,
  onHovered?: (t: TokenFeatures) => void,
): DaemonStart {
  const module = context.asAbsolutePath(path.join('dist', 'server', 'daemon.js'));
  const cfg = vscode.workspace.getConfiguration('jumplens');
  const configured = cfg.get<string>('server.nodePath', '');
  const nodePath = resolveNodePath(configured);
  if (!nodePath) output.appendLine(`node "${configured || 'node'}" not found on PATH; the daemon runs on the editor's runtime (${process.version}).`);
  const node = { module, transport: TransportKind.ipc, ...(nodePath ? { runtime: nodePath } : {}), options: { cwd: workspaceRoot() } };
  const serverOptions: ServerOptions = { run: node, debug: node };
  const defaultSae = bundledSae(context);
  const clientOptions: LanguageClientOptions = {
    // Every file/untitled document is sent; the daemon decides which are analysed (language, setAnalyzed).
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    synchronize: { configurationSection: 'jumplens' },
    outputChannel: output,
    // The daemon's hovers link to these commands; no other command may run from a hover.
    markdown: {
      isTrusted: {
        enabledCommands: ['jumplens.focusFeature', 'jumplens.openFeatureBrowser', 'jumplens.steerFeature', 'jumplens.ablateFeature', 'jumplens.pinHover'],
      },
      supportHtml: false,
    },
    // tokenFeaturesDelta: this client merges per-keystroke deltas (token-state.ts); drawsTokenFeatures:
    // it colours tokens with decorations, so it wants no semantic tokens.
    initializationOptions: withDefaultSae(
      { extensionPath: context.extensionPath, ...plainSettings(), [TOKEN_FEATURES_DELTA_OPTION]: true, [DRAWS_TOKEN_FEATURES_OPTION]: true },
      defaultSae,
    ),
    middleware: {
      // An empty jumplens.sae means the SAE shipped with the extension (assets/default-sae), when present.
      workspace: {
        configuration: async (params, token, next) => {
          const r = await next(params, token);
          if (!Array.isArray(r)) return r;
          return r.map((v, i) => (params.items[i]?.section === 'jumplens' ? withDefaultSae(v, defaultSae) : v));
        },
      },
      // Append "Pin", "Focus #id" and "Steer… · Ablate" command links (trusted markdown) under the daemon's hover.
      provideHover: async (document, position, token, next) => {
        const hover = await next(document, position, token);
        if (!hover) return hover;
        const uri = document.uri.toString();
        const t = tokenAt(tokensOf(uri), position);
        if (t) onHovered?.(t);
        // Pin asks the daemon for this same hover again (a directive line's too), kept beside the editor.
        const pin = pinLinkMarkdown(uri, position);
        const focus = focusLinksMarkdown(t, uri);
        const md = focus ? `${pin} · ${focus}` : pin;
        // Steer links carry the hovered token's end: the panel continues the prompt through that token.
        const links = new vscode.MarkdownString(t && focus ? `${md}\n\n${steerLinksMarkdown(t, uri, t.range.end)}` : md);
        links.isTrusted = { enabledCommands: ['jumplens.focusFeature', 'jumplens.steerFeature', 'jumplens.ablateFeature', 'jumplens.pinHover'] };
        // What the token's colour stands for (the decorations carry no hovers of their own); labels are user text.
        const note = colourNoteAt(uri, position);
        const colour = note ? [new vscode.MarkdownString().appendText(note)] : [];
        return new vscode.Hover([...hover.contents, ...colour, links], hover.range);
      },
    },
  };
  const client = new LanguageClient('jumplens', 'JumpLens daemon', serverOptions, clientOptions);
  return { client, runtime: nodePath ?? `editor runtime (${process.version})` };
}

/** The SAE shipped with the extension (assets/default-sae), used when jumplens.sae is empty. */
export function bundledSae(context: vscode.ExtensionContext): string | undefined {
  const dir = context.asAbsolutePath(path.join('assets', 'default-sae'));
  return existsSync(path.join(dir, 'cfg.json')) ? dir : undefined;
}

function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function plainSettings(): Record<string, unknown> {
  const cfg = vscode.workspace.getConfiguration('jumplens');
  const out: Record<string, unknown> = {};
  for (const k of INIT_OPTION_SETTINGS) {
    const v = cfg.get(k);
    if (v !== undefined && v !== '') out[k] = v;
  }
  // The daemon's job queue reads `runsDir` at initialize (server/src/lsp/server.ts); empty: <workspace>/.jumplens/runs.
  const runs = cfg.get<string>('jobs.runsDir', '');
  const root = workspaceRoot();
  if (runs) out.runsDir = path.isAbsolute(runs) || !root ? runs : path.join(root, runs);
  return out;
}
