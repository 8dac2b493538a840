// "Show Jobs": the daemon's jobs in a quick pick, then what can be done with the picked one
// (open its run folder, cancel it while it runs, resume it when resuming can continue it).
import * as vscode from 'vscode';
import { Commands, Methods, type JobInfo } from '../../protocol';
import type { Ctx } from './ctx';
import { hasCheckpoint } from './job-checkpoint';
import { canResume } from '../../protocol/job-outcome';

/** What a job in this state offers. */
export function jobActions(j: Pick<JobInfo, 'state' | 'spec'>, checkpoint: boolean): string[] {
  return ['Open run folder', ...(j.state === 'running' || j.state === 'queued' ? ['Cancel'] : []), ...(canResume(j, checkpoint) ? ['Resume'] : [])];
}

export async function showJobList(ctx: Ctx): Promise<void> {
  const list = await ctx.need().sendRequest<JobInfo[]>(Methods.listJobs);
  if (!list.length) return void vscode.window.showInformationMessage('JumpLens: no jobs yet');
  const pick = await vscode.window.showQuickPick(
    list.map((j) => ({
      label: `${j.spec.kind} · ${j.state}`,
      description: j.id,
      detail: [j.progress ? `step ${j.progress.step}/${j.progress.total}` : '', j.error ?? ''].filter(Boolean).join(' — '),
      job: j,
    })),
    { placeHolder: 'JumpLens jobs' },
  );
  if (!pick) return;
  const j = pick.job;
  const a = await vscode.window.showQuickPick(jobActions(j, hasCheckpoint(j)), { placeHolder: `job ${j.id}` });
  if (a === 'Open run folder') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(j.dir));
  else if (a === 'Cancel' || a === 'Resume') await ctx.executeDaemonCommand(a === 'Cancel' ? Commands.cancel : Commands.resume, { jobId: j.id });
}
