// Long jobs from the palette: executeCommand on the daemon with a work-done token, shown as a
// cancellable withProgress notification fed by the daemon's $/progress and jumplens/jobEvent. When
// the job ends the progress closes; its outcome comes from job-notify.ts.
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  WorkDoneProgress,
  type LanguageClient,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import { Commands, type JobCommandResult, type JobEvent, type JobKind, type JobSpec } from '../../protocol';

const COMMAND_OF: Record<JobKind, string> = {
  train: Commands.train,
  finetune: Commands.finetune,
  sweepThreshold: Commands.sweepThreshold,
  eval: Commands.evaluate,
  featureStore: Commands.buildFeatureStore,
};

const TITLE: Record<JobKind, string> = {
  train: 'Training SAE',
  finetune: 'Fine-tuning SAE',
  sweepThreshold: 'Threshold sweep',
  eval: 'Evaluating SAE',
  featureStore: 'Building feature store',
};

type Listener = (e: JobEvent) => void;

export class JobRunner {
  private readonly listeners = new Set<Listener>();
  private seq = 0;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly output: vscode.OutputChannel,
  ) {}

  /** Called for every jumplens/jobEvent notification. */
  dispatch(e: JobEvent): void {
    if (e.type === 'log') this.output.appendLine(`[job ${e.jobId}] ${e.line}`);
    for (const l of this.listeners) l(e);
  }

  async run(spec: JobSpec): Promise<void> {
    const client = this.client();
    if (!client) throw new Error('JumpLens daemon is not running');
    const token = `jumplens-job-${Date.now()}-${++this.seq}`;
    const title = TITLE[spec.kind];
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `JumpLens: ${title}`, cancellable: true },
      (progress, cancel) =>
        new Promise<void>((resolve, reject) => {
          let jobId: string | undefined;
          let last = 0;
          let settled = false;
          const disposables: vscode.Disposable[] = [];
          const finish = (err?: Error) => {
            if (settled) return;
            settled = true;
            for (const d of disposables) d.dispose();
            this.listeners.delete(onEvent);
            if (err) reject(err);
            else resolve();
          };
          const advance = (pct: number | undefined, message: string | undefined) => {
            const inc = pct !== undefined && pct > last ? pct - last : undefined;
            if (pct !== undefined && pct > last) last = pct;
            progress.report({ increment: inc, message });
          };
          disposables.push(
            client.onProgress(WorkDoneProgress.type, token, (v: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
              if (v.kind === 'end') {
                advance(100, v.message ?? 'done');
                finish();
              } else advance(v.percentage, v.message);
            }),
          );
          const onEvent: Listener = (e) => {
            if (!jobId) return;
            if (e.type === 'progress' && e.jobId === jobId) {
              const p = e.progress;
              advance((100 * p.step) / Math.max(1, p.total), p.message ?? `step ${p.step}/${p.total}`);
            } else if (e.type === 'state' && e.job.id === jobId) {
              const s = e.job.state;
              // The outcome (metrics, or the whole error) is told by JobNotifier, for every job alike.
              if (s === 'done' || s === 'failed' || s === 'cancelled' || s === 'interrupted') finish();
            }
          };
          this.listeners.add(onEvent);
          disposables.push(
            cancel.onCancellationRequested(() => {
              if (jobId) void client.sendRequest(ExecuteCommandRequest.type, { command: Commands.cancel, arguments: [{ jobId }] }).catch(() => undefined);
              finish();
            }),
          );
          client.sendRequest(ExecuteCommandRequest.type, { command: COMMAND_OF[spec.kind], arguments: [spec], workDoneToken: token }).then(
            (r) => {
              const id = (r as JobCommandResult | null)?.jobId;
              if (id) {
                jobId = id;
                this.output.appendLine(`${title}: job ${id} started`);
              } else finish();
            },
            (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))),
          );
        }),
    );
  }
}
