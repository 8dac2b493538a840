// A daemon killed while a training job runs leaves the job on disk; the next daemon on the same
// runs folder lists it as interrupted, and resuming it continues from its last checkpoint (the
// first step reported after the resume is past the checkpoint, not step 1) to the end. Real
// daemons over stdio, real stories260K and TinyStories text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { startDaemon } from '../helpers/daemon-client';
import { sharedFile, tempDir } from '../helpers/paths';
import { Commands, type JobEvent, type JobInfo } from '../../protocol';

test('a training job interrupted by a daemon crash is listed and resumes from its checkpoint', async () => {
  const tmp = tempDir('jumplens-daemon-resume-');
  const runsDir = path.join(tmp.dir, 'runs');
  const out = path.join(tmp.dir, 'trained');
  const steps = 240;
  const every = 20;
  try {
    const a = await startDaemon({ debounceMs: 0, runsDir }, tmp.dir);
    const { jobId } = (await a.conn.sendRequest('workspace/executeCommand', {
      command: Commands.train,
      arguments: [
        {
          kind: 'train',
          train: {
            architecture: 'jumprelu',
            model: sharedFile('models', 'stories260K.bin'),
            hook: 'blocks.2.hook_resid_post',
            corpus: sharedFile('data', 'tinystories-train-first1000.json'),
            tokens: 8192,
            contextSize: 64,
            d_sae: 128,
            lr: 1e-3,
            batchSize: 256,
            steps,
            seed: 3,
            checkpointEvery: every,
            out,
          },
        },
      ],
    })) as { jobId: string };
    // Past at least two checkpoints, then the daemon dies without a shutdown.
    await a.waitFor('jumplens/jobEvent', (e: JobEvent) => e.type === 'progress' && e.jobId === jobId && (e.event?.step ?? 0) >= 2 * every + 5, 180_000);
    const killedAt = Math.max(
      ...a.notes.filter((n) => n.method === 'jumplens/jobEvent' && n.params.type === 'progress' && n.params.event).map((n) => n.params.event.step as number),
    );
    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    a.conn.dispose();
    assert.ok(killedAt < steps, `the job was killed mid-run (step ${killedAt})`);
    assert.ok(existsSync(path.join(out, 'checkpoints')), 'a checkpoint was written before the crash');

    const b = await startDaemon({ debounceMs: 0, runsDir }, tmp.dir);
    try {
      const listed = (await b.conn.sendRequest('jumplens/listJobs')) as JobInfo[];
      assert.equal(listed.find((j) => j.id === jobId)?.state, 'interrupted');
      const r = (await b.conn.sendRequest('workspace/executeCommand', { command: Commands.resume, arguments: [{ jobId }] })) as { jobId: string };
      assert.equal(r.jobId, jobId);
      const done = (await b.waitFor(
        'jumplens/jobEvent',
        (e: JobEvent) => e.type === 'state' && e.job.id === jobId && ['done', 'failed', 'cancelled'].includes(e.job.state),
        180_000,
      )) as { job: JobInfo };
      assert.equal(done.job.state, 'done', `resumed job failed: ${done.job.error}`);
      // Training steps only (events with metrics): activation collection reports step 0 first.
      const stepsAfter = b.notes
        .filter((n) => n.method === 'jumplens/jobEvent' && n.params.type === 'progress' && n.params.jobId === jobId && n.params.event)
        .map((n) => n.params.event.step as number);
      assert.ok(stepsAfter.length > 0);
      assert.ok(stepsAfter[0] > every, `resumed at step ${stepsAfter[0]}, not from the start`);
      assert.ok(stepsAfter[0] <= killedAt + 1, `resumed at step ${stepsAfter[0]}, no later than the crash (${killedAt})`);
      assert.equal(stepsAfter.at(-1), steps);
      assert.ok(existsSync(path.join(out, 'sae_weights.safetensors')));
    } finally {
      await b.close();
    }
  } finally {
    tmp.cleanup();
  }
});
