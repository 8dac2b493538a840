// Job state on disk: a job.json that is JSON but not a job is skipped with a warning naming it;
// two daemons on one runs folder respect each other's job locks (no interrupting a live job, no
// resuming it twice) while a lock whose pid is dead is taken over; and a diverging training job
// ends `failed` with the step and reason, releasing its lock.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { mock, test } from 'node:test';
import type { JobInfo, JobSpec } from '../../../protocol';
import { writeNpy } from '../../../server/src/engine/io/npy';
import { JobQueue } from '../../../server/src/jobs/job-queue';
import { LOCK_FILE, lockState } from '../../../server/src/jobs/job-lock';
import { JOB_FILE, RunStore } from '../../../server/src/jobs/run-store';
import { syntheticActivations } from '../../helpers/synthetic-acts';
import { tempDir } from '../../helpers/paths';

const onDisk = (job: JobInfo): JobInfo => JSON.parse(readFileSync(path.join(job.dir, JOB_FILE), 'utf8'));

test('a job.json holding null, an array, a non-job object or a FIFO is skipped with a warning naming it', () => {
  const t = tempDir();
  const err = mock.method(console, 'error', () => {});
  try {
    const bad = { a: 'null', b: '[]', c: '{"id": 3}', d: '{"id":"d","spec":{"kind":"train"},"state":"exploded"}' };
    for (const [name, text] of Object.entries(bad)) {
      mkdirSync(path.join(t.dir, name));
      writeFileSync(path.join(t.dir, name, JOB_FILE), text);
    }
    mkdirSync(path.join(t.dir, 'e'));
    execFileSync('mkfifo', [path.join(t.dir, 'e', JOB_FILE)]);
    const good = new RunStore(t.dir).create({ kind: 'eval' });
    good.state = 'done';
    new RunStore(t.dir).save(good);
    const q = new JobQueue(t.dir); // used to throw "Cannot set properties of null"
    assert.deepEqual(
      q.list().map((j) => j.id),
      [good.id],
    );
    const lines = err.mock.calls.map((c) => String(c.arguments[0]));
    assert.equal(lines.length, 5);
    assert.ok(lines[0].startsWith(`${path.join(t.dir, 'a', JOB_FILE)}: not a job: expected a JSON object, got null`), lines[0]);
    assert.ok(lines[1].includes(`${path.join(t.dir, 'b', JOB_FILE)}: not a job: expected a JSON object, got an array`));
    assert.ok(lines[2].includes(`${path.join(t.dir, 'c', JOB_FILE)}: not a job: "id" must be a string`));
    assert.ok(lines[3].includes(`${path.join(t.dir, 'd', JOB_FILE)}: not a job: unknown "state" "exploded"`));
    assert.ok(
      lines[4].startsWith(
        `${path.join(t.dir, 'e', JOB_FILE)}: unreadable job file (${path.join(t.dir, 'e', JOB_FILE)}: is a FIFO (named pipe), not a regular file`,
      ),
      lines[4],
    );
  } finally {
    err.mock.restore();
    t.cleanup();
  }
});

test('two daemons on one runs folder: a live lock is neither interrupted nor resumed twice', async () => {
  const t = tempDir();
  try {
    // Daemon A ran a job that failed; daemon B starts and sees it failed.
    const a = new RunStore(t.dir);
    const job = a.create({ kind: 'eval' });
    job.state = 'failed';
    a.save(job);
    a.release(job);
    const b = new JobQueue(t.dir);
    // A resumes and runs it (holding its lock) ...
    a.claim(job);
    job.state = 'running';
    a.save(job);
    // ... so B must refuse to resume it, naming the lock and its holder.
    assert.throws(
      () => b.resume(job.id),
      (e: Error) =>
        e.message ===
        `${path.join(job.dir, LOCK_FILE)}: the job is held by another JumpLens daemon (pid ${process.pid} on ${hostname()} since ${JSON.parse(readFileSync(path.join(job.dir, LOCK_FILE), 'utf8')).startedAt}); it is not run or resumed here`,
    );
    assert.equal(onDisk(job).state, 'running');
    // A third daemon starting now leaves A's live job running instead of marking it interrupted.
    const c = new JobQueue(t.dir);
    assert.equal(c.get(job.id)?.state, 'running');
    assert.equal(onDisk(job).state, 'running');
    // A queued job holds its lock too (taken at creation).
    const queued = a.create({ kind: 'eval' });
    assert.equal(new JobQueue(t.dir).get(queued.id)?.state, 'queued');
    await Promise.all([b.dispose(), c.dispose()]);
  } finally {
    t.cleanup();
  }
});

test('a lock whose pid is dead is stale: the job is listed interrupted and can be resumed; a NaN run ends failed', async () => {
  const t = tempDir();
  try {
    const D = 8;
    const npy = path.join(t.dir, 'acts.npy');
    writeNpy(npy, syntheticActivations(1000, D, 16, 2), [1000, D]);
    const runs = path.join(t.dir, 'runs');
    const spec: JobSpec = {
      kind: 'train',
      train: { architecture: 'jumprelu', activations: npy, d_sae: 16, steps: 30, batchSize: 64, lr: 1e12, seed: 0, lrWarmupSteps: 0 },
    };
    const a = new RunStore(runs);
    const job = a.create(spec);
    job.state = 'running';
    a.save(job);
    // The daemon that held it died: its pid is gone.
    const dead = spawnSync('true').pid;
    writeFileSync(path.join(job.dir, LOCK_FILE), JSON.stringify({ pid: dead, hostname: hostname(), startedAt: new Date().toISOString(), owner: 'gone' }));
    assert.equal(lockState(job.dir).state, 'stale');
    const q = new JobQueue(runs);
    assert.equal(q.get(job.id)?.state, 'interrupted');
    assert.equal(onDisk(job).state, 'interrupted');
    q.resume(job.id);
    const end = await q.wait(job.id);
    assert.equal(end.state, 'failed');
    assert.match(end.error ?? '', /^training stopped at step \d+: (the loss is|parameter)/);
    assert.equal(onDisk(job).state, 'failed');
    assert.ok(!existsSync(path.join(job.dir, LOCK_FILE)), 'a finished job releases its lock');
    assert.ok(!existsSync(path.join(job.dir, 'sae', 'sae_weights.safetensors')), 'no NaN SAE written');
    await q.dispose();
  } finally {
    t.cleanup();
  }
});
