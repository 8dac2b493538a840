// Job persistence: each job is a folder `.jumplens/runs/<id>/` holding `job.json` (spec, state,
// progress, result), `log.txt`, and whatever the job writes (checkpoints/, metrics, SAE files).
// A daemon that restarts reads these back; jobs it finds queued or running were cut off and are
// listed as interrupted.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeJsonAtomic } from '../engine/io/atomic-write';
import type { JobInfo, JobSpec } from '../../../protocol';

export const JOB_FILE = 'job.json';
export const LOG_FILE = 'log.txt';

export class RunStore {
  constructor(readonly root: string) {}

  create(spec: JobSpec): JobInfo {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
    const id = `${stamp}-${spec.kind}-${randomBytes(3).toString('hex')}`;
    const dir = path.join(this.root, id);
    mkdirSync(dir, { recursive: true });
    const job: JobInfo = { id, spec, state: 'queued', createdAt: new Date().toISOString(), dir };
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
        job = JSON.parse(readFileSync(f, 'utf8')) as JobInfo;
      } catch (e) {
        // A broken job.json must not stop the daemon; it is skipped and said once on stderr.
        console.error(`${f}: unreadable job file (${e instanceof Error ? e.message : e}); skipped`);
        continue;
      }
      job.dir = path.join(this.root, name);
      if (job.state === 'queued' || job.state === 'running') {
        job.state = 'interrupted';
        this.save(job);
      }
      jobs.push(job);
    }
    return jobs;
  }
}
