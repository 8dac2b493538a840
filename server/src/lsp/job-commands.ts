// Jobs through `workspace/executeCommand` (start, cancel, resume). Each job's life is mirrored as a
// `$/progress`: on the client's own `workDoneToken` when it sends one (so the editor shows one
// notification per job), else on a progress the server creates, which the user can cancel.
import type { ExecuteCommandParams } from 'vscode-languageserver';
import { Commands, isFinalState, jobOutcome, validateJobSpec, type JobCommandResult, type JobEvent, type JobKind, type JobSpec } from '../../../protocol';
import type { JobsPort } from '../session/ports';
import type { LspClient } from './lsp-client';

const JOB_COMMANDS: Record<string, JobKind> = {
  [Commands.train]: 'train',
  [Commands.finetune]: 'finetune',
  [Commands.sweepThreshold]: 'sweepThreshold',
  [Commands.evaluate]: 'eval',
  [Commands.buildFeatureStore]: 'featureStore',
};

export class JobCommands {
  constructor(
    private readonly jobs: () => JobsPort | undefined,
    private readonly client: Pick<LspClient, 'progress'>,
  ) {}

  async execute(p: ExecuteCommandParams): Promise<JobCommandResult> {
    const jobs = this.jobs();
    if (!jobs) throw new Error('daemon not initialised');
    const arg = (p.arguments?.[0] ?? {}) as Record<string, unknown>;
    if (p.command === Commands.cancel || p.command === Commands.resume) {
      if (typeof arg.jobId !== 'string') throw new Error(`${p.command} needs { jobId }`);
      const job = p.command === Commands.cancel ? jobs.cancel(arg.jobId) : jobs.resume(arg.jobId);
      if (p.command === Commands.resume) void this.reportProgress(jobs, job.id, p.workDoneToken);
      return { jobId: job.id, state: job.state };
    }
    const kind = JOB_COMMANDS[p.command];
    if (!kind) throw new Error(`unknown command ${p.command}`);
    const spec = { ...(arg as Partial<JobSpec>), kind };
    const bad = validateJobSpec(spec);
    if (bad) throw new Error(`${p.command}: ${bad}`);
    const job = jobs.start(spec);
    void this.reportProgress(jobs, job.id, p.workDoneToken);
    return { jobId: job.id };
  }

  /** Mirrors a job's life as a work-done progress; cancelling a server-created one cancels the job. */
  private async reportProgress(jobs: JobsPort, jobId: string, token: ExecuteCommandParams['workDoneToken']): Promise<void> {
    // Subscribed before the progress exists, so no state change is missed while it is created.
    const early: JobEvent[] = [];
    let on = (ev: JobEvent) => void early.push(ev);
    const unsubscribe = jobs.subscribe((ev) => on(ev));
    const progress = await this.client.progress(token).catch(() => undefined);
    if (!progress) return unsubscribe();
    const job = jobs.get(jobId)!;
    progress.begin(`JumpLens ${job.spec.kind}`, job.state, token === undefined);
    progress.onCancel(() => jobs.cancel(jobId));
    let ended = false;
    const finish = (final: typeof job) => {
      if (ended) return;
      ended = true;
      unsubscribe();
      progress.end(jobOutcome(final));
    };
    on = (ev) => {
      if (ev.type === 'progress' && ev.jobId === jobId) {
        const pct = ev.progress.total > 0 ? Math.min(100, Math.round((100 * ev.progress.step) / ev.progress.total)) : undefined;
        progress.report(pct, ev.progress.message ?? `${ev.progress.step}/${ev.progress.total}`);
      } else if (ev.type === 'state' && ev.job.id === jobId) {
        if (isFinalState(ev.job.state)) finish(ev.job);
        else progress.report(undefined, ev.job.state);
      }
    };
    for (const ev of early.splice(0)) on(ev);
    const now = jobs.get(jobId)!;
    if (isFinalState(now.state)) finish(now);
  }
}
