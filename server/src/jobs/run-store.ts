// Job persistence: each job is a folder `.jumplens/runs/<id>/` holding `job.json` (spec, state,
// progress, result), `log.txt`, and whatever the job writes (checkpoints/, metrics, SAE files).
// A daemon that restarts reads these back; jobs it finds queued or running were cut off and are
// listed as interrupted, unless another live daemon holds their lock (job-lock.ts).
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeJsonAtomic } from '../engine/io/atomic-write';
import { readRegularFile } from '../engine/io/open-regular';
import { acquireJobLock, lockState, releaseJobLock } from './job-lock';
import type { JobInfo, JobSpec } from '../../../protocol';

export const JOB_FILE = 'job.json';
export const LOG_FILE = 'log.txt';

export class RunStore {
  /** This daemon's identity in job locks. */
  readonly owner = randomBytes(8).toString('hex');

  constructor(readonly root: string) {}

  /** Takes the job's lock (throws naming the holder when another live daemon has it). */
  claim(job: JobInfo): void {
    acquireJobLock(job.dir, this.owner);
  }

  release(job: JobInfo): void {
    releaseJobLock(job.dir, this.owner);
  }

  create(spec: JobSpec): JobInfo {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    const id = `${stamp}-${spec.kind}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(this.root, id);
    mkdirSync(dir, { recursive: true });
    const job: JobInfo = { id, spec, state: 'queued', createdAt: new Date().toISOString(), dir };
    this.claim(job);
    this.save(job);
    return job;
  }

  save(job: JobInfo): void {
    writeJsonAtomic(path.join(job.dir, JOB_FILE), job);
  }

  log(job: JobInfo, line: string): void {
    appendFileSync(path.join(job.dir, LOG_FILE), `${new Date().toISOString()} ${line}\n`);
  }

  /** Every job on disk, oldest first; ones left queued/running by a dead daemon become interrupted. */
  loadAll(): JobInfo[] {
    if (!existsSync(this.root)) return [];
    const jobs: JobInfo[] = [];
    for (const name of readdirSync(this.root).sort()) {
      const f = path.join(this.root, name, JOB_FILE);
      if (!existsSync(f)) continue;
      let job: JobInfo;
      try {
        // Regular files only: a FIFO named job.json would otherwise block the daemon's start.
        job = JSON.parse(readRegularFile(f, { encoding: 'utf8', maxBytes: 16 * 2 ** 20 })) as JobInfo;
      } catch (e) {
        // A broken job.json must not stop the daemon; it is skipped and said once on stderr.
        console.error(`${f}: unreadable job file (${e instanceof Error ? e.message : e}); skipped`);
        continue;
      }
      const shape = jobShapeProblem(job);
      if (shape) {
        console.error(`${f}: ${shape}; skipped`);
        continue;
      }
      job.dir = path.join(this.root, name);
      if ((job.state === 'queued' || job.state === 'running') && lockState(job.dir).state !== 'live') {
        job.state = 'interrupted';
        this.save(job);
      }
      jobs.push(job);
    }
    return jobs;
  }
}

const STATES = new Set(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);

/** Why a parsed job.json is not a job (valid JSON such as `null` or `[]` is not), or undefined. */
function jobShapeProblem(j: unknown): string | undefined {
  if (typeof j !== 'object' || j === null || Array.isArray(j))
    return `not a job: expected a JSON object, got ${j === null ? 'null' : Array.isArray(j) ? 'an array' : typeof j}`;
  const o = j as Record<string, unknown>;
  if (typeof o.id !== 'string') return 'not a job: "id" must be a string';
  if (typeof o.spec !== 'object' || o.spec === null || typeof (o.spec as { kind?: unknown }).kind !== 'string')
    return 'not a job: "spec" must be an object with a "kind"';
  if (typeof o.state !== 'string' || !STATES.has(o.state)) return `not a job: unknown "state" ${JSON.stringify(o.state)}`;
  return undefined;
}
