// Messages between the job queue (daemon main thread) and a job's worker thread.
import type { JobResult, JobSpec, TrainProgressEvent } from '../../../protocol';

export interface WorkerInput {
  spec: JobSpec;
  /** The job's run folder. */
  dir: string;
  /** Resume from the last checkpoint in `dir` (after a crash or cancel). */
  resume: boolean;
}

export type QueueToWorker = { type: 'cancel' };

export type WorkerToQueue =
  | { type: 'progress'; step: number; total: number; message?: string; event?: TrainProgressEvent }
  | { type: 'log'; line: string }
  | { type: 'done'; result: JobResult }
  | { type: 'cancelled' }
  | { type: 'error'; error: string };
