// When any job ends (started from the palette or the dashboard), the user gets its outcome as a
// notification with what to do next: load the SAE it trained, see it in the dashboard, open its run
// folder, or resume it where that can continue it.
import * as vscode from 'vscode';
import { Commands, type JobEvent, type JobInfo } from '../../protocol';
import type { Ctx } from './ctx';
import { hasCheckpoint } from './job-checkpoint';
import { ACTION_DASHBOARD, ACTION_RESUME, ACTION_RUN_FOLDER, ACTION_USE_SAE, jobNotice } from '../../protocol/job-outcome';

export class JobNotifier {
  /** Jobs already told about: a job's final state is announced once. */
  private readonly told = new Set<string>();

  constructor(private readonly ctx: Pick<Ctx, 'output' | 'updateSetting' | 'dashboard' | 'executeDaemonCommand'>) {}

  onEvent(e: JobEvent): void {
    if (e.type !== 'state') return;
    const job = e.job;
    if (job.state === 'queued' || job.state === 'running') {
      this.told.delete(job.id);
      return;
    }
    if (this.told.has(job.id)) return;
    this.told.add(job.id);
    this.last = this.show(job).catch((err: unknown) => this.ctx.output.appendLine(`[job ${job.id}] ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Resolves when the notification's action (if any) has run; tests await it. */
  last: Promise<void> = Promise.resolve();

  private async show(job: JobInfo): Promise<void> {
    const o = jobNotice(job, hasCheckpoint(job));
    if (!o) return;
    this.ctx.output.appendLine(`[job ${job.id}] ${o.message}`);
    const show =
      o.kind === 'failed' ? vscode.window.showErrorMessage : o.kind === 'stopped' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const picked = await show(o.message, ...o.actions);
    // Only an action this outcome offered runs.
    const a = picked && o.actions.includes(picked) ? picked : undefined;
    if (a === ACTION_USE_SAE && o.sae) await this.ctx.updateSetting('sae', o.sae);
    else if (a === ACTION_DASHBOARD) this.ctx.dashboard.open();
    else if (a === ACTION_RUN_FOLDER) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(job.dir));
    else if (a === ACTION_RESUME) await this.ctx.executeDaemonCommand(Commands.resume, { jobId: job.id });
  }
}
