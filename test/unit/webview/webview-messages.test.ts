// Webview -> extension messages are untrusted input (issue #12): the schemas in
// protocol/webview-schemas.ts accept exactly the messages the pages send and reject the rest; the
// reconnect backoff and the form prefill are the webview's other pure parts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWebviewMessage } from '../../../protocol/webview';
import { Backoff, BACKOFF_MAX_MS, backoffMs } from '../../../webview/src/backoff';
import { applyPrefill, prefillFromStatus } from '../../../webview/src/form-prefill';
import { defaults, FORMS, validateForm, type FormKind } from '../../../webview/src/job-forms';

test('every message the pages post is accepted as typed', () => {
  for (const m of [
    { type: 'ready' },
    { type: 'focusFeature', feature: 0 },
    { type: 'focusFeature', feature: 209 },
    { type: 'open', path: '/ws/.jumplens/runs/a' },
    { type: 'loadSae', path: '/ws/sae' },
  ]) {
    const r = parseWebviewMessage(m);
    assert.ok(r.ok, `rejected ${JSON.stringify(m)}: ${!r.ok && r.error}`);
    assert.deepEqual(r.ok && r.msg, m);
  }
});

test('unknown, malformed and padded messages are rejected with a reason naming the type', () => {
  const bad: [unknown, RegExp][] = [
    [null, /type none/],
    ['ready', /type none/],
    [{ type: 'runShell', cmd: 'rm -rf /' }, /"runShell"/],
    [{ type: 'focusFeature', feature: -1 }, /"focusFeature"/],
    [{ type: 'focusFeature', feature: 1.5 }, /"focusFeature"/],
    [{ type: 'focusFeature', feature: '3' }, /"focusFeature"/],
    [{ type: 'open' }, /"open"/],
    [{ type: 'open', path: '' }, /"open"/],
    [{ type: 'open', path: 42 }, /"open"/],
    [{ type: 'loadSae', path: '/s', extra: 1 }, /"loadSae"/],
    [{ type: 'request', req: { id: 1, op: 'listJobs' } }, /"request"/],
  ];
  for (const [m, re] of bad) {
    const r = parseWebviewMessage(m);
    assert.equal(r.ok, false, `accepted ${JSON.stringify(m)}`);
    if (!r.ok) assert.match(r.error, re);
  }
});

test('reconnect backoff doubles from 250 ms up to 10 s and starts over once a socket opens', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6].map((a) => backoffMs(a)),
    [250, 500, 1000, 2000, 4000, 8000, 10_000],
  );
  assert.equal(backoffMs(1000), BACKOFF_MAX_MS);
  assert.equal(backoffMs(-1), 250);
  const b = new Backoff(100, 1000);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000]);
  b.reset();
  assert.equal(b.next(), 100);
});

test('forms take the loaded model, SAE (as fine-tune start) and hook, keep edited fields, and validate on those values', () => {
  const values = Object.fromEntries((Object.keys(FORMS) as FormKind[]).map((k) => [k, defaults(k)])) as Record<FormKind, Record<string, string>>;
  const touched = new Set(['train.hook']);
  values.train.hook = 'blocks.0.hook_resid_pre';
  const p = prefillFromStatus({ model: { path: '/m/stories260K.bin' }, sae: { path: '/saes/default', hook: 'blocks.2.hook_resid_post' } });
  const changed = applyPrefill(values, touched, p);
  assert.deepEqual(changed.sort(), ['featureStore', 'finetune', 'sweepThreshold', 'train']);
  assert.equal(values.train.model, '/m/stories260K.bin');
  assert.equal(values.train.hook, 'blocks.0.hook_resid_pre', 'the user edited it');
  assert.equal(values.finetune.initFrom, '/saes/default');
  assert.equal(values.finetune.hook, 'blocks.2.hook_resid_post');
  assert.equal(values.featureStore.sae, '/saes/default');
  assert.deepEqual(applyPrefill(values, touched, p), [], 'the same prefill again changes nothing');
  // With the prefill, the defaults are enough: no corpus, no output folder (the daemon picks them).
  const r = validateForm('train', values.train);
  assert.ok(r.ok, `not valid: ${JSON.stringify(!r.ok && r.errors)}`);
  assert.equal(r.ok && r.spec.train?.corpus, undefined);
  const s = validateForm('sweepThreshold', values.sweepThreshold);
  assert.ok(s.ok && s.spec.sae === '/saes/default' && s.spec.model === '/m/stories260K.bin');
  applyPrefill(values, touched, { corpus: '/c/stories.txt' });
  assert.equal(values.featureStore.corpus, '/c/stories.txt');
});
