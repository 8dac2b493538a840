// Evaluation and threshold-sweep jobs through the real daemon, on the shipped default SAE: the
// numbers a job reports are the ones the engine computes for the same inputs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, type Daemon } from '../helpers/daemon-client';
import { REPO_ROOT, sharedFile, tempDir } from '../helpers/paths';
import type { JobEvent, JobInfo } from '../../protocol';

const tmp = tempDir('jumplens-daemon-eval-');
const sae = path.join(REPO_ROOT, 'assets', 'default-sae');
const corpus = sharedFile('data', 'tinystoriesv2-gpt4-first8k-lines.txt');
let d: Daemon;

before(async () => {
  d = await startDaemon({ sae, debounceMs: 0, runsDir: path.join(tmp.dir, 'runs') }, tmp.dir);
});
after(async () => {
  await d?.close();
  tmp.cleanup();
});

async function run(command: string, arg: Record<string, unknown>): Promise<JobInfo> {
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command, arguments: [arg] })) as { jobId: string };
  const ev = (await d.waitFor(
    'jumplens/jobEvent',
    (e: JobEvent) => e.type === 'state' && e.job.id === r.jobId && ['done', 'failed', 'cancelled'].includes(e.job.state),
    240_000,
  )) as { job: JobInfo };
  return ev.job;
}

test('an eval job reports L0, FVU and delta LM loss of the default SAE and saves them', async () => {
  const job = await run('jumplens.job.eval', { sae, corpus, tokens: 4096 });
  assert.equal(job.state, 'done', job.error);
  const m = (job.result as { metrics: Record<string, number> }).metrics;
  // The default SAE was trained to L0 ≈ 26 with FVU ≈ 0.16: a held-out slice lands near there.
  assert.ok(m['metrics/l0'] > 5 && m['metrics/l0'] < 80, `L0 ${m['metrics/l0']}`);
  assert.ok(m['metrics/fvu'] > 0 && m['metrics/fvu'] < 0.5, `FVU ${m['metrics/fvu']}`);
  assert.ok(m.delta_lm_loss > 0, 'splicing in the reconstruction costs some loss');
  assert.ok(m.loss_recovered > 0.5 && m.loss_recovered <= 1, `loss recovered ${m.loss_recovered}`);
  assert.deepEqual(JSON.parse(readFileSync(path.join(job.dir, 'eval.json'), 'utf8')), m);
});

test('a threshold-sweep job traces L0 falling as the thresholds are scaled up', async () => {
  const job = await run('jumplens.job.sweepThreshold', { sae, corpus, tokens: 2048, scales: [0.5, 1, 2] });
  assert.equal(job.state, 'done', job.error);
  const rows = (job.result as { rows: { scale: number; l0: number; fvu: number }[] }).rows;
  assert.deepEqual(
    rows.map((r) => r.scale),
    [0.5, 1, 2],
  );
  assert.ok(rows[0].l0 > rows[1].l0 && rows[1].l0 > rows[2].l0, `L0 ${rows.map((r) => r.l0)}`);
  assert.ok(rows[2].fvu > rows[1].fvu, 'higher thresholds reconstruct worse');
  assert.ok(readFileSync(path.join(job.dir, 'threshold-sweep.svg'), 'utf8').startsWith('<svg'));
});
