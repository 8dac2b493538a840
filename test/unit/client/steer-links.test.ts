// The hover's Steer…/Ablate links and what the steer commands make of their argument: the links must
// round-trip to the exact {uri, position, feature} the command parses, and malformed fields are
// dropped (the command then asks) rather than sent to the daemon.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { steerLinksMarkdown } from '../../../client/src/hover-links';
import { DEFAULT_CLAMP_X_MAX, parseFeatureInput, parseSteerArg, steerTarget } from '../../../client/src/steer-target';
import { interventionFor } from '../../../client/src/panels/steer-panel-math';
import type { TokenFeatures } from '../../../protocol';

const range = { start: { line: 2, character: 4 }, end: { line: 2, character: 9 } };
const tok = (top: TokenFeatures['top']): TokenFeatures => ({ range, id: 5, text: ' girl', max: 1, rel: 1, l0: top.length, top });

test('steer links: one Steer…/Ablate pair per top feature, whose args parse back to the feature at the position', () => {
  const md = steerLinksMarkdown(
    tok([
      { id: 518, act: 2 },
      { id: 7, act: 0.5 },
    ]),
    'file:///w/a.jlp',
    range.end,
  );
  for (const cmd of ['steerFeature', 'ablateFeature']) {
    const args = [...md.matchAll(new RegExp(`command:jumplens\\.${cmd}\\?([^ )]+)`, 'g'))].map((m) => JSON.parse(decodeURIComponent(m[1])));
    assert.deepEqual(args, [
      [{ uri: 'file:///w/a.jlp', position: { line: 2, character: 9 }, feature: 518 }],
      [{ uri: 'file:///w/a.jlp', position: { line: 2, character: 9 }, feature: 7 }],
    ]);
    assert.deepEqual(parseSteerArg(args[0][0]), { uri: 'file:///w/a.jlp', position: { line: 2, character: 9 }, feature: 518 });
  }
  assert.equal(steerLinksMarkdown(tok([]), 'x', range.end), '');
  assert.equal(steerLinksMarkdown(undefined, 'x', range.end), '');
});

test('steer arg: malformed fields are dropped, feature input accepts "#12" and names a bad one', () => {
  assert.deepEqual(parseSteerArg({ uri: 3, position: { line: 1.5, character: 0 }, feature: -1 }), {});
  assert.deepEqual(parseSteerArg(undefined), {});
  assert.deepEqual(parseSteerArg({ feature: 4 }), { feature: 4 });
  assert.equal(parseFeatureInput(' #12 '), 12);
  assert.match(String(parseFeatureInput('abc')), /"abc" is not a feature id/);
});

test('steer target and intervention: clamp values are in maxAct units, ablate carries no value', () => {
  const a = { uri: 'u', position: { line: 0, character: 1 }, feature: 3 };
  const clamp = steerTarget(a, 'clamp');
  assert.equal(clamp.value, DEFAULT_CLAMP_X_MAX);
  assert.deepEqual(interventionFor({ ...clamp, value: 1.5 }, 4), { feature: 3, mode: 'clamp', value: 6 });
  // Without a store there is no maxAct: the value is taken as absolute.
  assert.deepEqual(interventionFor({ ...clamp, value: 1.5 }, undefined), { feature: 3, mode: 'clamp', value: 1.5 });
  assert.deepEqual(interventionFor(steerTarget(a, 'ablate'), 4), { feature: 3, mode: 'ablate' });
});

test('steer panel messages: a run with a mode and finite value passes, anything else is dropped with its type named', async () => {
  const { parseSteerPanelMessage } = await import('../../../protocol/webview');
  assert.deepEqual(parseSteerPanelMessage({ type: 'steerRun', mode: 'clamp', value: 2.5 }), { ok: true, msg: { type: 'steerRun', mode: 'clamp', value: 2.5 } });
  assert.equal(parseSteerPanelMessage({ type: 'ready' }).ok, true);
  for (const bad of [
    { type: 'steerRun', mode: 'boost' },
    { type: 'steerRun', mode: 'clamp', value: Number.NaN },
    { type: 'steerRun', mode: 'ablate', uri: 'file:///etc/passwd' },
    { type: 'loadSae', path: '/x' },
  ]) {
    const r = parseSteerPanelMessage(bad);
    assert.equal(r.ok, false, JSON.stringify(bad));
    if (!r.ok) assert.match(r.error, new RegExp(`steer panel message of type "${bad.type}" dropped`));
  }
});
