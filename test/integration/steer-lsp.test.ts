// Steering through both daemon faces on stories260K and the shipped default SAE: `jumplens/steer`
// (and its executeCommand twin) continues the prompt up to the cursor of an analysed `.jlp`
// document; the ws op `steer` continues a text. No intervention gives identical continuations;
// ablating feature 113, which fires strongly on this prompt (test/unit/steer-generate.test.ts
// re-derives that), changes them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import WebSocket from 'ws';
import { Commands, type SteerResult } from '../../protocol';
import type { LspServer } from '../../server/src/lsp/lsp-server';
import { startInProcessLsp, type InProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

const PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play';
const FEATURE = 113;
const URI = 'file:///steer-test/story.jlp';

let lsp: InProcessLsp;
let server: LspServer;
let client: RecordingLspClient;

before(async () => {
  client = new RecordingLspClient();
  lsp = startInProcessLsp(client);
  server = lsp.server;
  server.didOpen({ textDocument: { uri: URI, languageId: 'jumplens-prompt', version: 1, text: `# a story\n${PROMPT}\n---\nBen said, "No!"` } });
  await client.tokenFeatures(URI, 1);
});
after(() => lsp.stop());

const end = { line: 1, character: PROMPT.length };

test('jumplens/steer: no intervention gives identical continuations; ablating a strongly firing feature changes them', async () => {
  const same = await server.steer({ uri: URI, position: end, interventions: [], steps: 20 });
  assert.equal(same.promptText.trim(), PROMPT, 'the prompt is the cursor prompt without the comment line');
  assert.equal(same.unsteered.length, 20);
  assert.deepEqual(
    same.steered.map((t) => t.id),
    same.unsteered.map((t) => t.id),
  );
  assert.equal(same.firstDiff, -1);
  const ab = await server.steer({ uri: URI, position: end, interventions: [{ feature: FEATURE, mode: 'ablate' }], steps: 20 });
  assert.ok(ab.firstDiff >= 0, `ablating #${FEATURE} should change "${ab.unsteered.map((t) => t.text).join('')}"`);
  assert.ok(ab.steered[ab.firstDiff].differs && ab.unsteered[ab.firstDiff].differs);
  assert.ok(ab.steered.slice(0, ab.firstDiff).every((t) => !t.differs));
  assert.deepEqual(
    ab.unsteered.map((t) => t.id),
    same.unsteered.map((t) => t.id),
    'the unsteered side does not depend on the interventions',
  );
  assert.equal(ab.features[0].feature, FEATURE);
  assert.equal(ab.features[0].promoted.length, 5);
  assert.ok(ab.features[0].promoted[0].logit > ab.features[0].suppressed[0].logit);
  assert.ok(ab.nextToken.kl >= 0);
  // The cursor earlier in the prompt: a shorter prompt, continued from there.
  const early = await server.steer({ uri: URI, position: { line: 1, character: 4 }, interventions: [], steps: 3 });
  assert.ok(early.promptTokens < same.promptTokens && early.promptText.trim() === 'Once');
});

test('workspace/executeCommand jumplens.steer is the same request; bad params are refused with the field named', async () => {
  const viaCommand = await server.executeSteer({
    command: Commands.steer,
    arguments: [{ uri: URI, position: end, interventions: [{ feature: FEATURE, mode: 'ablate' }], steps: 20 }],
  });
  assert.ok(viaCommand.firstDiff >= 0);
  await assert.rejects(
    server.steer({ uri: URI, position: end, interventions: [{ feature: 3, mode: 'boost' as never }] }),
    /"mode" must be clamp, scale or ablate/,
  );
  await assert.rejects(server.steer({ uri: URI, position: end, interventions: [], steps: 0 }), /"steps" must be an integer in 1\.\.256/);
  await assert.rejects(server.steer({ uri: 'file:///nope.jlp', position: end, interventions: [] }), /not open in the daemon/);
  await assert.rejects(
    server.steer({ uri: URI, position: end, interventions: [{ feature: 99999, mode: 'ablate' }] }),
    /feature 99999: expected an integer in 0\.\.1023/,
  );
});

test('ws op steer continues a text with the settings engine', async () => {
  lsp.daemon.openJobs(path.join(lsp.dir, 'runs'));
  const ep = await lsp.daemon.apiEndpoint();
  const ws = new WebSocket(`${ep.url}?token=${ep.token}`);
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const replies = new Map<number, { ok: boolean; result?: SteerResult; error?: string }>();
  const ask = (m: { id: number; [k: string]: unknown }) =>
    new Promise<{ ok: boolean; result?: SteerResult; error?: string }>((resolve) => {
      ws.on('message', (d) => {
        const r = JSON.parse(d.toString());
        replies.set(r.id, r);
        if (r.id === m.id) resolve(r);
      });
      ws.send(JSON.stringify(m));
    });
  try {
    const plain = await ask({ id: 1, op: 'steer', text: PROMPT, interventions: [], steps: 20 });
    assert.ok(plain.ok, plain.error);
    assert.equal(plain.result!.firstDiff, -1);
    const ab = await ask({ id: 2, op: 'steer', text: PROMPT, interventions: [{ feature: FEATURE, mode: 'ablate' }], steps: 20 });
    assert.ok(ab.ok && ab.result!.firstDiff >= 0, ab.error);
    const bad = await ask({ id: 3, op: 'steer', interventions: [] });
    assert.equal(bad.ok, false);
    assert.match(bad.error!, /steer needs "text"/);
  } finally {
    ws.close();
  }
});
