// JumpLens VS Code client: starts the daemon, draws what it sends and routes commands. It never
// imports tfjs; every computation happens in the daemon. The context (ctx.ts) owns the parts,
// commands/ holds one factory per command.
import type * as vscode from 'vscode';
import { registerCommands } from './commands';
import { Ctx } from './ctx';

let ctx: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = new Ctx(context);
  registerCommands(ctx);
  ctx.watchWorkspace();
  await ctx.start();
}

export async function deactivate(): Promise<void> {
  const c = ctx;
  ctx = undefined;
  await c?.stop();
}
