// The job queue: one job runs at a time in its own worker thread (with its own tensor backend);
// the rest wait. State changes and progress go out as JobEvents to the LSP and ws layers, and
// every state change is written to the job's run folder.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { isFinalState, type JobEvent, type JobInfo, type JobSpec } from '../../../protocol';
import { RunStore } from './run-store';
import type { QueueToWorker, WorkerInput, WorkerToQueue } from './worker-protocol';

/** How long a cancelled job may take to stop on its own before its thread is terminated. */
const CANCEL_GRACE_MS = 5000;

function newWorker(workerData: WorkerInput): Worker {
  // In the bundle the worker is worker.js beside us. From sources it is TypeScript: a small eval'd
  // shim registers tsx's CommonJS hook in the thread (execArgv `--import tsx` is not honoured by
  // worker threads on every Node 20) and then loads it.
  const ts = path.join(__dirname, 'worker.ts');
  const opts = { workerData, stdout: true, stderr: false } as const;
  if (__filename.endsWith('.ts') && existsSync(ts)) {
    const shim = `require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(ts)});`;
    return new Worker(shim, { ...opts, eval: true });
  }
  return new Worker(path.join(__dirname, 'worker.js'), opts);
}

export class JobQueue extends EventEmitter<{ event: [JobEvent] }> {
  readonly store: RunStore;
  private jobs = new Map<string, JobInfo>();
  private pending: { job: JobInfo; resume: boolean }[] = [];
  private running?: { job: JobInfo; worker: Worker; cancelled: boolean };

  constructor(runsDir: string) {
    super();
    this.store = new RunStore(runsDir);
    for (const j of this.store.loadAll()) this.jobs.set(j.id, j);
  }

  list(): JobInfo[] {
    return [...this.jobs.values()];
  }

  get(id: string): JobInfo | undefined {
    return this.jobs.get(id);
  }

  start(spec: JobSpec): JobInfo {
    // A new job never writes over an SAE it did not create (resume continues its own output).
    const out = (spec.train as { out?: unknown } | undefined)?.out;
    if (typeof out === 'string' && existsSync(path.join(out, 'cfg.json'))) {
      throw new Error(`job spec "train.out" ${JSON.stringify(out)} already holds an SAE (cfg.json); choose a new folder or delete that one first`);
    }
    const job = this.store.create(spec);
    this.jobs.set(job.id, job);
    return this.enqueue(job, `queued ${spec.kind}`, false);
  }

  /** Re-queues an interrupted, failed or cancelled job; it continues from its last checkpoint. */
  resume(id: string): JobInfo {
    const job = this.require(id);
    if (job.state === 'queued' || job.state === 'running') throw new Error(`job ${id} is already ${job.state}`);
    if (job.state === 'done') throw new Error(`job ${id} is done; start a new one`);
    this.store.claim(job); // refuses a job another live daemon holds
    job.state = 'queued';
    job.error = undefined;
    this.store.save(job);
    return this.enqueue(job, 'resumed', true);
  }

  private enqueue(job: JobInfo, logLine: string, resume: boolean): JobInfo {
    this.store.log(job, logLine);
    this.emitState(job);
    this.pending.push({ job, resume });
    this.pump();
    return job;
  }

  cancel(id: string): JobInfo {
    const job = this.require(id);
    const i = this.pending.findIndex((p) => p.job.id === id);
    if (i >= 0) {
      this.pending.splice(i, 1);
      this.finish(job, 'cancelled');
    } else if (this.running?.job.id === id && !this.running.cancelled) {
      const r = this.running;
      r.cancelled = true;
      r.worker.postMessage({ type: 'cancel' } satisfies QueueToWorker);
      setTimeout(() => {
        if (this.running === r) {
          void r.worker.terminate();
          this.onExit(r, { type: 'cancelled' });
        }
      }, CANCEL_GRACE_MS).unref();
    }
    return job;
  }

  /** Calls `listener` with every job event until the returned function is called. */
  subscribe(listener: (ev: JobEvent) => void): () => void {
    this.on('event', listener);
    return () => this.off('event', listener);
  }

  /** Resolves when the job reaches a final state. */
  wait(id: string): Promise<JobInfo> {
    const job = this.require(id);
    if (isFinal(job)) return Promise.resolve(job);
    return new Promise((resolve) => {
      const on = (ev: JobEvent) => {
        if (ev.type === 'state' && ev.job.id === id && isFinal(ev.job)) {
          this.off('event', on);
          resolve(ev.job);
        }
      };
      this.on('event', on);
    });
  }

  async dispose(): Promise<void> {
    for (const p of this.pending) this.store.release(p.job);
    this.pending = [];
    const r = this.running;
    if (r) {
      await r.worker.terminate();
      this.store.release(r.job);
      // Left as 'running' on disk on purpose: the next daemon lists it as interrupted.
    }
  }

  private require(id: string): JobInfo {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${JSON.stringify(id)}`);
    return job;
  }

  private pump(): void {
    if (this.running) return;
    const next = this.pending.shift();
    if (!next) return;
    const { job, resume } = next;
    const worker = newWorker({ spec: job.spec, dir: job.dir, resume });
    // Anything the worker prints goes to the log, never to our stdout (the LSP stream).
    worker.stdout.on('data', (d: Buffer) => this.store.log(job, d.toString().trimEnd()));
    const r = { job, worker, cancelled: false };
    this.running = r;
    job.state = 'running';
    this.store.save(job);
    this.store.log(job, 'running');
    this.emitState(job);
    let ended = false;
    worker.on('message', (m: WorkerToQueue) => {
      if (ended) return;
      if (m.type === 'progress') {
        job.progress = { step: m.step, total: m.total, message: m.message };
        this.emit('event', { type: 'progress', jobId: job.id, progress: job.progress, event: m.event });
      } else if (m.type === 'log') {
        this.store.log(job, m.line);
        this.emit('event', { type: 'log', jobId: job.id, line: m.line });
      } else {
        ended = true;
        void worker.terminate();
        this.onExit(r, r.cancelled && m.type !== 'done' ? { type: 'cancelled' } : m);
      }
    });
    worker.on('error', (e) => {
      if (ended) return;
      ended = true;
      this.onExit(r, { type: 'error', error: `worker crashed: ${e instanceof Error ? e.message || e.stack : String(e)}` });
    });
    worker.on('exit', (code) => {
      if (ended) return;
      ended = true;
      this.onExit(r, r.cancelled ? { type: 'cancelled' } : { type: 'error', error: `worker exited with code ${code} before finishing` });
    });
  }

  private onExit(r: NonNullable<JobQueue['running']>, m: WorkerToQueue): void {
    if (this.running !== r) return;
    this.running = undefined;
    if (m.type === 'done') {
      r.job.result = m.result;
      this.finish(r.job, 'done');
    } else if (m.type === 'error') {
      r.job.error = m.error;
      this.finish(r.job, 'failed');
    } else {
      this.finish(r.job, 'cancelled');
    }
    this.pump();
  }

  private finish(job: JobInfo, state: JobInfo['state']): void {
    job.state = state;
    this.store.save(job);
    this.store.release(job);
    this.store.log(job, state + (job.error ? `: ${job.error}` : ''));
    this.emitState(job);
  }

  private emitState(job: JobInfo): void {
    this.emit('event', { type: 'state', job: { ...job } });
  }
}

export function isFinal(job: JobInfo): boolean {
  return isFinalState(job.state);
}
