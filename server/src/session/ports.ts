// What the daemon's faces (lsp/, api/) are given by the composition root (server/src/daemon.ts) in
// place of the job queue itself, so neither face imports jobs/.
import type { JobEvent, JobInfo, JobSpec } from '../../../protocol';

/** The daemon's job queue as the faces see it (server/src/jobs/job-queue.ts implements it). */
export interface JobsPort {
  list(): JobInfo[];
  get(id: string): JobInfo | undefined;
  start(spec: JobSpec): JobInfo;
  cancel(id: string): JobInfo;
  resume(id: string): JobInfo;
  /** Calls `listener` with every job event until the returned function is called. */
  subscribe(listener: (ev: JobEvent) => void): () => void;
}
