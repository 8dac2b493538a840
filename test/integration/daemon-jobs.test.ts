// Jobs through the real daemon over stdio: executeCommand starts a job in a worker thread,
// $/progress reports it from begin to end, cancelling the progress cancels the job, hovers are
// answered while a job computes, and a restarted daemon lists cut-off jobs as interrupted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, writeRandomSae, type Daemon } from '../helpers/daemon-client';
import { sharedFile, tempDir } from '../helpers/paths';
import type { JobEvent, JobInfo } from '../../protocol';

const tmp = tempDir('jumplens-daemon-jobs-');
let d: Daemon;
let sae: string;
const runsDir = () => path.join(tmp.dir, 'runs');
const corpus = sharedFile('data', 'tinystories-train-first1000.json');
/** The small JumpReLU run the job tests share: stories260K blocks.2, 128 latents, batch 256. */
const smallTrain = () => ({
  architecture: 'jumprelu' as const,
  model: 'stories260K.bin',
  hook: 'blocks.2.hook_resid_post',
  corpus,
  d_sae: 128,
  lr: 1e-3,
  batchSize: 256,
});

before(async () => {
  sae = await writeRandomSae(path.join(tmp.dir, 'sae'));
  d = await startDaemon({ sae, debounceMs: 0, runsDir: runsDir() }, tmp.dir);
});
after(async () => {
  await d?.close();
  tmp.cleanup();
});

const jobState = (jobId: string, states: string[]) =>
  d.waitFor('jumplens/jobEvent', (e: JobEvent) => e.type === 'state' && e.job.id === jobId && states.includes(e.job.state), 240_000) as Promise<{
    job: JobInfo;
  }>;

/** The $/progress token whose begin title names `kind` and that appeared after `from` notes. */
async function progressToken(kind: string, from: number): Promise<string | number> {
  const p = await d.waitFor(
    '$/progress',
    (x) => x.value.kind === 'begin' && x.value.title === `JumpLens ${kind}` && d.notes.findIndex((n) => n.params === x) >= from,
  );
  return p.token;
}

test('a feature-store job reports $/progress from begin to end and writes its run folder', async () => {
  const from = d.notes.length;
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.featureStore', arguments: [{ sae, corpus, tokens: 3000 }] })) as {
    jobId: string;
  };
  assert.match(r.jobId, /featureStore/);
  const token = await progressToken('featureStore', from);
  const done = await jobState(r.jobId, ['done', 'failed', 'cancelled']);
  assert.equal(done.job.state, 'done', done.job.error);
  await d.waitFor('$/progress', (x) => x.token === token && x.value.kind === 'end');
  const reports = d.notes.filter(
    (n) => n.method === '$/progress' && n.params.token === token && n.params.value.kind === 'report' && typeof n.params.value.percentage === 'number',
  );
  assert.ok(reports.length >= 2, 'several progress reports');
  const pcts = reports.map((n) => n.params.value.percentage as number);
  assert.ok(
    pcts.every((p, i) => i === 0 || p >= pcts[i - 1]),
    'percentages never go back',
  );
  assert.ok(pcts[pcts.length - 1] >= 90, `last report ${pcts[pcts.length - 1]}%`);
  const dir = path.join(runsDir(), r.jobId);
  const saved = JSON.parse(readFileSync(path.join(dir, 'job.json'), 'utf8')) as JobInfo;
  assert.equal(saved.state, 'done');
  assert.ok(existsSync(path.join(dir, 'features', 'feature_store.safetensors')));
  assert.match(readFileSync(path.join(dir, 'log.txt'), 'utf8'), /done/);
  const listed = (await d.conn.sendRequest('jumplens/listJobs')) as JobInfo[];
  assert.ok(listed.some((j) => j.id === r.jobId && j.state === 'done'));
});

test('hovers are answered while a training job runs, and cancelling its progress cancels the job', async () => {
  const uri = 'file:///while-job.jlp';
  void d.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text: 'The little dog ran to the park.' },
  });
  await d.waitFor('jumplens/tokenFeatures', (p) => p.uri === uri);
  const from = d.notes.length;
  const train = {
    architecture: 'jumprelu',
    model: 'stories260K.bin',
    hook: 'blocks.2.hook_resid_post',
    corpus,
    d_sae: 256,
    lr: 1e-3,
    batchSize: 512,
    steps: 5000,
    seed: 3,
    tokens: 8000,
    contextSize: 64,
  };
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.train', arguments: [{ train }] })) as { jobId: string };
  const token = await progressToken('train', from);
  // Wait until the worker is in its training steps (past activation collection).
  await d.waitFor('jumplens/jobEvent', (e) => e.type === 'progress' && e.jobId === r.jobId && e.event?.step > 0, 120_000);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 5 + i } })) as {
      contents: { value: string };
    } | null;
    times.push(performance.now() - t0);
    assert.ok(h && /JumpLens/.test(h.contents.value));
  }
  const running = ((await d.conn.sendRequest('jumplens/listJobs')) as JobInfo[]).find((j) => j.id === r.jobId);
  assert.equal(running?.state, 'running', 'the job was still running while the hovers were answered');
  times.sort((a, b) => a - b);
  assert.ok(times[5] < 500, `median hover ${times[5].toFixed(0)} ms while a job runs`);

  void d.conn.sendNotification('window/workDoneProgress/cancel', { token });
  const end = await jobState(r.jobId, ['done', 'failed', 'cancelled']);
  assert.equal(end.job.state, 'cancelled');
  await d.waitFor('$/progress', (x) => x.token === token && x.value.kind === 'end');
});

test('a short training job runs to the end with $/progress and writes an SAE', async () => {
  const from = d.notes.length;
  const r = (await d.conn.sendRequest('workspace/executeCommand', {
    command: 'jumplens.job.train',
    arguments: [
      {
        train: {
          ...smallTrain(),
          steps: 20,
          seed: 1,
          tokens: 8000,
          contextSize: 64,
        },
      },
    ],
  })) as { jobId: string };
  const token = await progressToken('train', from);
  const end = await jobState(r.jobId, ['done', 'failed', 'cancelled']);
  await d.waitFor('$/progress', (x) => x.token === token && x.value.kind === 'end');
  assert.equal(end.job.state, 'done', end.job.error);
  const steps = d.notes
    .filter((n) => n.method === 'jumplens/jobEvent' && n.params.type === 'progress' && n.params.jobId === r.jobId && n.params.event)
    .map((n) => n.params.event.step as number);
  assert.ok(steps.length >= 2 && steps[steps.length - 1] === 20, `training progress steps ${steps.join(',')}`);
  assert.ok(
    Number.isFinite(
      d.notes.find((n) => n.method === 'jumplens/jobEvent' && n.params.type === 'progress' && n.params.jobId === r.jobId && n.params.event)!.params.event[
        'losses/mse_loss'
      ],
    ),
  );
  assert.ok(existsSync(path.join(runsDir(), r.jobId, 'sae', 'cfg.json')), 'the trained SAE is written in the run folder');
});

test('cancel command on a queued job and resume of an unknown job', async () => {
  const a = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.featureStore', arguments: [{ sae, corpus, tokens: 400_000 }] })) as {
    jobId: string;
  };
  const b = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.featureStore', arguments: [{ sae, corpus, tokens: 1000 }] })) as {
    jobId: string;
  };
  const rb = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.cancel', arguments: [{ jobId: b.jobId }] })) as { state: string };
  assert.equal(rb.state, 'cancelled', 'a queued job is cancelled at once');
  await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.cancel', arguments: [{ jobId: a.jobId }] });
  assert.equal((await jobState(a.jobId, ['done', 'failed', 'cancelled'])).job.state, 'cancelled');
  await assert.rejects(d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.resume', arguments: [{ jobId: 'nope' }] }), /no job "nope"/);
});

test('a daemon restarted after a job was cut off lists it as interrupted and can resume it', async () => {
  const from = d.notes.length;
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.featureStore', arguments: [{ sae, corpus, tokens: 400_000 }] })) as {
    jobId: string;
  };
  const token = await progressToken('featureStore', from);
  await d.waitFor('$/progress', (x) => x.token === token && x.value.kind === 'report' && typeof x.value.percentage === 'number');
  d.proc.kill('SIGKILL');
  await new Promise((res) => d.proc.once('exit', res));
  d = await startDaemon({ sae, debounceMs: 0, runsDir: runsDir() }, tmp.dir);
  const jobs = (await d.conn.sendRequest('jumplens/listJobs')) as JobInfo[];
  const j = jobs.find((x) => x.id === r.jobId);
  assert.equal(j?.state, 'interrupted');
  assert.ok(
    jobs.some((x) => x.state === 'done'),
    'finished jobs are listed too',
  );
  const res = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.resume', arguments: [{ jobId: r.jobId }] })) as { state: string };
  assert.ok(['queued', 'running'].includes(res.state));
  await jobState(r.jobId, ['running']);
  await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.cancel', arguments: [{ jobId: r.jobId }] });
  assert.equal((await jobState(r.jobId, ['cancelled', 'failed', 'done'])).job.state, 'cancelled');
});

test('a cancelled training job resumes from its checkpoint, not from step 0', async () => {
  const train = {
    ...smallTrain(),
    steps: 3000,
    seed: 2,
    tokens: 8000,
    contextSize: 64,
    checkpointEvery: 50,
  };
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.train', arguments: [{ train }] })) as { jobId: string };
  const isStep = (n: { method: string; params: any }) =>
    n.method === 'jumplens/jobEvent' && n.params.type === 'progress' && n.params.jobId === r.jobId && n.params.event;
  await d.waitFor('jumplens/jobEvent', (e) => e.type === 'progress' && e.jobId === r.jobId && e.event?.step >= 100, 120_000);
  await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.cancel', arguments: [{ jobId: r.jobId }] });
  assert.equal((await jobState(r.jobId, ['done', 'failed', 'cancelled'])).job.state, 'cancelled');
  const stoppedAt = Math.max(...d.notes.filter(isStep).map((n) => n.params.event.step as number));
  assert.ok(stoppedAt < 3000, 'cancelled before the end');
  const mark = d.notes.length;
  await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.resume', arguments: [{ jobId: r.jobId }] });
  await d.waitFor(
    'jumplens/jobEvent',
    (e) => e.type === 'progress' && e.jobId === r.jobId && e.event && d.notes.findIndex((n) => n.params === e) >= mark,
    120_000,
  );
  const firstAfter = d.notes.slice(mark).find(isStep)!.params.event.step as number;
  assert.ok(firstAfter > 50, `resumed at step ${firstAfter} (stopped at ${stoppedAt}), not from the start`);
  await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.cancel', arguments: [{ jobId: r.jobId }] });
  await jobState(r.jobId, ['done', 'failed', 'cancelled']);
});
