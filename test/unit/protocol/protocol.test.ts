// The protocol's runtime validators (zod schemas behind parseWsRequest / parseFeatureRequest /
// validateJobSpec / parseWebviewMessage), the one list of final job states and the outcome line a
// job's `$/progress` ends with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FINAL_JOB_STATES,
  JOB_STATES,
  StatusRequest,
  isFinalState,
  jobOutcome,
  parseWebviewMessage,
  parseWsRequest,
  validateJobSpec,
  type JobInfo,
} from '../../../protocol';

test('ws requests: valid ones pass with their fields, malformed ones say why', () => {
  const ok = parseWsRequest(JSON.stringify({ id: 3, op: 'analyze', text: 'hi', topK: 7 }));
  assert.deepEqual(ok, { ok: true, req: { id: 3, op: 'analyze', text: 'hi', topK: 7 } });
  const bad: [unknown, RegExp][] = [
    ['{', /not valid JSON/],
    [[1], /JSON object/],
    [{ op: 'status' }, /"id" must be an integer/],
    [{ id: 1, op: 'listFeatures' }, /unknown op "listFeatures"/],
    [{ id: 1, op: 'cancelJob', jobId: '' }, /cancelJob needs "jobId"/],
    [{ id: 1, op: 'analyze', text: 'x', topK: 0 }, /"topK" must be an integer in 1\.\.100/],
    [{ id: 1, op: 'startJob', spec: { kind: 'eval', sae: '' } }, /"sae" must be a non-empty string/],
  ];
  for (const [m, re] of bad) {
    const r = parseWsRequest(typeof m === 'string' ? m : JSON.stringify(m));
    assert.equal(r.ok, false, JSON.stringify(m));
    if (!r.ok) assert.match(r.error, re);
  }
});

test('job specs: kinds, train config and scales', () => {
  assert.equal(validateJobSpec({ kind: 'sweepThreshold', sae: '/s', scales: [0.5, 2] }), undefined);
  assert.match(validateJobSpec({ kind: 'finetune' }) ?? '', /finetune job needs "train"/);
  assert.match(validateJobSpec({ kind: 'train', train: [] }) ?? '', /"train" must be an object/);
  assert.match(validateJobSpec(null) ?? '', /"spec" must be an object/);
});

test('final states are listed once and include interrupted', () => {
  assert.deepEqual(JOB_STATES.filter(isFinalState), [...FINAL_JOB_STATES]);
  assert.ok(isFinalState('interrupted') && !isFinalState('running') && !isFinalState('queued'));
});

test("a finished job's outcome names its state, main metrics and output", () => {
  const job = (state: JobInfo['state'], result?: JobInfo['result'], error?: string): JobInfo => ({
    id: 'j',
    spec: { kind: result?.kind ?? 'eval' },
    state,
    createdAt: '',
    dir: '/r/j',
    result,
    error,
  });
  assert.equal(
    jobOutcome(
      job('done', {
        kind: 'train',
        config: { architecture: 'jumprelu' },
        out: '/r/j/sae',
        steps: 10,
        tokens: 40,
        metrics: { 'metrics/l0': 12.3456, 'metrics/explained_variance': 0.91 },
      }),
    ),
    'done: l0 12.35, explained_variance 0.91 → /r/j/sae',
  );
  assert.equal(
    jobOutcome(job('done', { kind: 'featureStore', store: '/r/j/features/feature_store.safetensors', tokens: 2048 })),
    'done: 2048 tokens → /r/j/features/feature_store.safetensors',
  );
  assert.equal(jobOutcome(job('failed', undefined, 'corpus missing')), 'failed: corpus missing');
  assert.equal(jobOutcome(job('cancelled')), 'cancelled');
});

test('webview messages are validated; typed LSP requests carry their method', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'focusFeature', feature: 4 }), { ok: true, msg: { type: 'focusFeature', feature: 4 } });
  assert.equal(parseWebviewMessage({ type: 'focusFeature', feature: -1 }).ok, false);
  assert.equal(parseWebviewMessage({ type: 'rm -rf' }).ok, false);
  assert.equal(StatusRequest.method, 'jumplens/status');
});
