// Jobs through `workspace/executeCommand` (start, cancel, resume), each mirrored as a
// server-initiated `$/progress` so any LSP client shows it and can cancel it.
import type { Connection, WorkDoneProgressServerReporter } from 'vscode-languageserver/node';
import { Commands, validateJobSpec, type JobCommandResult, type JobEvent, type JobKind, type JobSpec } from '../../../protocol';
import type { JobQueue } from '../jobs/job-queue';

const JOB_COMMANDS: Record<string, JobKind> = {
  [Commands.train]: 'train',
  [Commands.finetune]: 'finetune',
  [Commands.sweepThreshold]: 'sweepThreshold',
  [Commands.evaluate]: 'eval',
  [Commands.buildFeatureStore]: 'featureStore',
};

export function registerJobCommands(connection: Connection, getJobs: () => JobQueue | undefined, hasProgress: () => boolean): void {
  connection.onExecuteCommand(async (p): Promise<JobCommandResult> => {
    const jobs = getJobs();
    if (!jobs) throw new Error('daemon not initialised');
    const arg = (p.arguments?.[0] ?? {}) as Record<string, unknown>;
    if (p.command === Commands.cancel || p.command === Commands.resume) {
      if (typeof arg.jobId !== 'string') throw new Error(`${p.command} needs { jobId }`);
      const job = p.command === Commands.cancel ? jobs.cancel(arg.jobId) : jobs.resume(arg.jobId);
      if (p.command === Commands.resume) void reportProgress(job.id);
      return { jobId: job.id, state: job.state };
    }
    const kind = JOB_COMMANDS[p.command];
    if (!kind) throw new Error(`unknown command ${p.command}`);
    const spec = { ...(arg as Partial<JobSpec>), kind };
    const bad = validateJobSpec(spec);
    if (bad) throw new Error(`${p.command}: ${bad}`);
    const job = jobs.start(spec);
    void reportProgress(job.id);
    return { jobId: job.id };
  });

  /** Mirrors a job's life as a server-initiated work-done progress; cancelling it cancels the job. */
  async function reportProgress(jobId: string): Promise<void> {
    const q = getJobs();
    if (!hasProgress() || !q) return;
    let progress: WorkDoneProgressServerReporter;
    try {
      progress = await connection.window.createWorkDoneProgress();
    } catch {
      return;
    }
    const job = q.get(jobId)!;
    progress.begin(`JumpLens ${job.spec.kind}`, 0, job.state, true);
    progress.token.onCancellationRequested(() => q.cancel(jobId));
    const on = (ev: JobEvent) => {
      if (ev.type === 'progress' && ev.jobId === jobId) {
        const pct = ev.progress.total > 0 ? Math.min(100, Math.round((100 * ev.progress.step) / ev.progress.total)) : undefined;
        progress.report(pct ?? 0, ev.progress.message ?? `${ev.progress.step}/${ev.progress.total}`);
      } else if (ev.type === 'state' && ev.job.id === jobId) {
        if (['done', 'failed', 'cancelled', 'interrupted'].includes(ev.job.state)) {
          q.off('event', on);
          progress.done();
        } else progress.report(ev.job.state);
      }
    };
    q.on('event', on);
    if (['done', 'failed', 'cancelled'].includes(q.get(jobId)!.state)) {
      q.off('event', on);
      progress.done();
    }
  }
}
