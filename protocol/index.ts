// Every custom message between the daemon, the VS Code client, the webview and remote clients,
// typed once, one file per channel: lsp.ts (LSP extensions), ws.ts (WebSocket API), webview.ts
// (postMessage), jobs.ts (job specs, states, results); shared shapes in tokens.ts. Nothing here
// imports tfjs, vscode or a Node-only module: the client and the webview bundle it.
export * from './tokens';
export * from './jobs';
export * from './lsp';
export * from './ws';
export * from './webview';
export * from './job-outcome';
export * from './steer';
