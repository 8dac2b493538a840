// When any job ends (started from the palette or the dashboard), the user gets its outcome as a
// notification with what to do next: load the SAE it trained, see it in the dashboard, open its run
// folder, or resume it where that can continue it.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Commands, type JobEvent, type JobInfo } from '../../protocol/messages';
import type { Ctx } from './ctx';
import { ACTION_DASHBOARD, ACTION_RESUME, ACTION_RUN_FOLDER, ACTION_USE_SAE, jobOutcome } from './job-outcome';

/** The trainer's checkpoint of a train/finetune job (its `out`, else <run>/sae; trainer.ts CHECKPOINT_FILE). */
export function checkpointFile(job: JobInfo): string | undefined {
  if (job.spec.kind !== 'train' && job.spec.kind !== 'finetune') return undefined;
  return path.join(job.spec.train?.out ?? path.join(job.dir, 'sae'), 'checkpoints', 'ckpt.safetensors');
}

export function hasCheckpoint(job: JobInfo): boolean {
  const f = checkpointFile(job);
  return f !== undefined && existsSync(f);
}

export class JobNotifier {
  /** Jobs already told about: a job's final state is announced once. */
  private readonly told = new Set<string>();

  constructor(private readonly ctx: Ctx) {}

  onEvent(e: JobEvent): void {
    if (e.type !== 'state') return;
    const job = e.job;
    if (job.state === 'queued' || job.state === 'running') {
      this.told.delete(job.id);
      return;
    }
    if (this.told.has(job.id)) return;
    this.told.add(job.id);
    void this.show(job);
  }

  private async show(job: JobInfo): Promise<void> {
    const o = jobOutcome(job, hasCheckpoint(job));
    if (!o) return;
    this.ctx.output.appendLine(`[job ${job.id}] ${o.message}`);
    const show = o.kind === 'failed' ? vscode.window.showErrorMessage : o.kind === 'stopped' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const a = await show(o.message, ...o.actions);
    if (a === ACTION_USE_SAE && o.sae) await this.ctx.updateSetting('sae', o.sae);
    else if (a === ACTION_DASHBOARD) this.ctx.dashboard.open();
    else if (a === ACTION_RUN_FOLDER) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(job.dir));
    else if (a === ACTION_RESUME) await this.ctx.executeDaemonCommand(Commands.resume, { jobId: job.id });
  }
}
