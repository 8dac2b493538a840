// Commands on the daemon itself: restart it, and show what it has loaded.
import * as vscode from 'vscode';
import { statusDetails } from '../status-text';
import type { Cmd } from './cmd';

export const restartDaemon: Cmd = (ctx) => () => ctx.restart();

export const showStatus: Cmd = (ctx) => async () => {
  await ctx.statusRefresh.refresh();
  const lines = statusDetails(ctx.status.last, ctx.runtime);
  const a = await vscode.window.showInformationMessage(
    `JumpLens\n${lines.join('\n')}`,
    { modal: false, detail: lines.join('\n') },
    'Restart Daemon',
    'Show Log',
  );
  if (a === 'Restart Daemon') await vscode.commands.executeCommand('jumplens.restartDaemon');
  else if (a === 'Show Log') ctx.output.show();
};
