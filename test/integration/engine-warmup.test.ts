// The warm-up a freshly loaded engine gets after its first colours (lsp/engine-warmup.ts), in
// process with the real stories260K model and the shipped SAE: it runs once per engine, sends
// nothing to the editor, frees every tensor it made, and ends at the next change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Methods, type TokenFeaturesParams } from '../../protocol';
import { tf } from '../../server/src/engine/tf';
import { WARMUP_TEXT, warmUp } from '../../server/src/lsp/engine-warmup';
import type { LspServer } from '../../server/src/lsp/lsp-server';
import { startInProcessLsp, type InProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

let lsp: InProcessLsp;
let server: LspServer;
let client: RecordingLspClient;

before(() => {
  client = new RecordingLspClient();
  lsp = startInProcessLsp(client);
  server = lsp.server;
});
after(() => lsp.stop());

const warmedUp = (): Promise<number> => server.warmedUp();

function open(uri: string, text: string): Promise<TokenFeaturesParams> {
  server.didOpen({ textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text } });
  return client.tokenFeatures(uri, 1);
}

test('a new engine is warmed up once after its first colours, invisibly, freeing every tensor', async () => {
  const uri = 'file:///warm-a.jlp';
  await open(uri, 'Once upon a time, there was a dog.');
  const tensors = tf.memory().numTensors;
  const sent = client.sent.length;
  assert.equal(await warmedUp(), WARMUP_TEXT.length, 'it typed the whole sentence');
  assert.equal(tf.memory().numTensors, tensors, 'its analysis was freed');
  assert.deepEqual(client.sent.slice(sent), [], 'the editor heard nothing of it');
  assert.deepEqual(client.errors, []);

  // Another document on the same engine: already warm.
  await open('file:///warm-b.jlp', 'The sun was hot.');
  assert.equal(await warmedUp(), 0, 'no second warm-up');
});

test('a change ends the warm-up, and is analysed as usual', async () => {
  // `@sae none` is another engine (the model alone), so it gets its own warm-up.
  const uri = 'file:///warm-c.jlp';
  await open(uri, '@sae none\nOnce upon a time');
  const end = { line: 1, character: 'Once upon a time'.length };
  server.didChange({ textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: end, end }, text: ' there' }] });
  const typed = await warmedUp();
  assert.ok(typed < WARMUP_TEXT.length, `it stopped after ${typed} of ${WARMUP_TEXT.length} keystrokes`);
  const tf2 = await client.tokenFeatures(uri, 2);
  assert.equal(tf2.tokens.at(-1)?.text, ' there');
  assert.ok(
    client.sent.every((s) => s.method !== Methods.tokenFeatures || (s.params as TokenFeaturesParams).uri.startsWith('file:///warm-')),
    'only the open documents were coloured',
  );
});

test('warmUp stops between keystrokes when told, freeing what it made', async () => {
  const uri = 'file:///warm-d.jlp';
  await open(uri, 'A cat sat.');
  await warmedUp();
  const engine = lsp.daemon.session.current()!;
  const tensors = tf.memory().numTensors;
  let asked = 0;
  const typed = await warmUp(engine, { bos: true, topK: 8, maxTokens: 2048, stopped: () => ++asked > 5 });
  assert.equal(typed, 4, 'keystrokes 0..4 (the empty text first)');
  assert.equal(tf.memory().numTensors, tensors);
});
