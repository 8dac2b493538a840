// Any job that ends is told with its outcome (client/src/job-notify.ts), once, as an error for a
// failure, and each action does what it says: Use this SAE sets jumplens.sae to the job's output,
// Resume resumes it in the daemon, and Resume is only there for a failed training job that left a
// checkpoint. `vscode` exists only in the editor, so notifications go to a recording stand-in.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import type { JobInfo } from '../../../protocol';
import { tempDir } from '../../helpers/paths';

const shown: { level: string; message: string; actions: string[] }[] = [];
let answer: string | undefined;
const executed: unknown[][] = [];
const note =
  (level: string) =>
  async (message: string, ...actions: string[]) => {
    shown.push({ level, message, actions });
    return answer;
  };
const vscodeStub = {
  window: { showInformationMessage: note('info'), showWarningMessage: note('warning'), showErrorMessage: note('error') },
  commands: { executeCommand: async (...a: unknown[]) => void executed.push(a) },
  Uri: { file: (p: string) => ({ fsPath: p }) },
};
const load = (Module as unknown as { _load: (req: string, ...rest: unknown[]) => unknown })._load;
(Module as unknown as { _load: typeof load })._load = (req, ...rest) => (req === 'vscode' ? vscodeStub : load(req, ...rest));
const { JobNotifier } = require('../../../client/src/job-notify') as typeof import('../../../client/src/job-notify');
const { checkpointFile } = require('../../../client/src/job-checkpoint') as typeof import('../../../client/src/job-checkpoint');

function fakeCtx() {
  const calls: unknown[][] = [];
  return {
    calls,
    ctx: {
      output: { appendLine: () => {} },
      updateSetting: async (k: string, v: unknown) => void calls.push(['setting', k, v]),
      dashboard: { open: () => void calls.push(['dashboard']) },
      executeDaemonCommand: async (c: string, ...a: unknown[]) => void calls.push(['daemon', c, ...a]),
    },
  };
}

const job = (dir: string, state: JobInfo['state'], { result, ...extra }: Omit<Partial<JobInfo>, 'result'> & { result?: object } = {}): JobInfo => ({
  id: 'j1',
  spec: { kind: 'train', train: {} },
  state,
  createdAt: '',
  dir,
  ...extra,
  ...(result ? { result: { ...result, kind: 'train' } as JobInfo['result'] } : {}),
});

test('a finished job is told once with its metrics; Use this SAE sets jumplens.sae to its output', async () => {
  shown.length = 0;
  const { ctx, calls } = fakeCtx();
  const n = new JobNotifier(ctx as never);
  const done = job('/runs/j1', 'done', { result: { out: '/runs/j1/sae', steps: 10, metrics: { 'metrics/l0': 8, 'metrics/explained_variance': 0.9 } } });
  answer = 'Use this SAE';
  n.onEvent({ type: 'progress', jobId: 'j1', progress: { step: 1, total: 2 } });
  n.onEvent({ type: 'state', job: { ...done, state: 'running' } });
  n.onEvent({ type: 'state', job: done });
  n.onEvent({ type: 'state', job: done });
  await n.last;
  assert.equal(shown.length, 1, 'told once');
  assert.equal(shown[0].level, 'info');
  assert.match(shown[0].message, /L0 8\.00 · FVU 0\.100/);
  assert.deepEqual(shown[0].actions, ['Use this SAE', 'Open in Dashboard', 'Open Run Folder']);
  assert.deepEqual(calls, [['setting', 'sae', '/runs/j1/sae']]);
  answer = 'Open Run Folder';
  // Resumed and finished again: told again.
  n.onEvent({ type: 'state', job: { ...done, state: 'queued' } });
  n.onEvent({ type: 'state', job: done });
  await n.last;
  assert.equal(shown.length, 2);
  assert.deepEqual(executed.at(-1), ['revealFileInOS', { fsPath: '/runs/j1' }]);
});

test('a failed training job offers Resume only when its checkpoint exists, and Resume resumes it', async () => {
  const t = tempDir();
  try {
    shown.length = 0;
    const { ctx, calls } = fakeCtx();
    const n = new JobNotifier(ctx as never);
    answer = 'Resume';
    const failed = job(t.dir, 'failed', { error: 'worker crashed: out of memory' });
    n.onEvent({ type: 'state', job: failed });
    await n.last;
    assert.equal(shown[0].level, 'error');
    assert.equal(shown[0].message, 'JumpLens: Training failed: worker crashed: out of memory');
    assert.deepEqual(shown[0].actions, ['Open Run Folder']);
    assert.deepEqual(calls, [], 'no Resume offered, so none run');

    const ckpt = checkpointFile(failed)!;
    assert.equal(ckpt, path.join(t.dir, 'sae', 'checkpoints', 'ckpt.safetensors'));
    mkdirSync(path.dirname(ckpt), { recursive: true });
    writeFileSync(ckpt, '');
    n.onEvent({ type: 'state', job: { ...failed, state: 'running' } });
    n.onEvent({ type: 'state', job: failed });
    await n.last;
    assert.deepEqual(shown[1].actions, ['Resume', 'Open Run Folder']);
    assert.deepEqual(calls, [['daemon', 'jumplens.job.resume', { jobId: 'j1' }]]);
    assert.equal(checkpointFile({ spec: { kind: 'train', train: { out: '/o' } }, dir: '/r' }), path.join('/o', 'checkpoints', 'ckpt.safetensors'));
    assert.equal(checkpointFile({ spec: { kind: 'eval' }, dir: '/r' }), undefined);
  } finally {
    t.cleanup();
  }
});
