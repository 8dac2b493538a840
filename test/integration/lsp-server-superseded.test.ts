// Issue #16: an analysis that a newer edit supersedes while the model runs. Its finished result is
// published when every token it coloured lies before the first character that changed since (typing
// at the end), and dropped otherwise (an edit inside it). In process, real stories260K and the
// default SAE; the newer edit is sent from inside the first analysis's model call, so "the edit
// arrives while the analysis computes" holds on any machine, without timing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Methods, type TokenFeaturesParams } from '../../protocol';
import type { LspServer } from '../../server/src/lsp/lsp-server';
import type { Engine } from '../../server/src/session/engine-session';
import { startInProcessLsp, type InProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

const BASE = 'Once upon a time, there was a little girl named Lily.';

/** Each tokenFeatures sent, with the text of the server's document at that moment. */
/** Records each tokenFeatures with the document's text at the moment it arrived. */
class Recorder extends RecordingLspClient {
  readonly features: { p: TokenFeaturesParams; liveText: string }[] = [];
  constructor(private readonly liveText: (uri: string) => string) {
    super();
  }
  override notify = <P>(type: { method: string }, params: P): void => {
    if (type.method !== Methods.tokenFeatures) return;
    const p = params as unknown as TokenFeaturesParams;
    this.features.push({ p, liveText: this.liveText(p.uri) });
  };
  async until(uri: string, version: number): Promise<TokenFeaturesParams> {
    for (let i = 0; i < 3000; i++) {
      const hit = this.features.find((f) => f.p.uri === uri && f.p.version === version);
      if (hit) return hit.p;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no jumplens/tokenFeatures for ${uri} version ${version} in 30 s`);
  }
}

const texts = new Map<string, string>();
let lsp: InProcessLsp;
let server: LspServer;
let client: Recorder;

before(() => {
  client = new Recorder((uri) => texts.get(uri) ?? '');
  lsp = startInProcessLsp(client, { options: { languages: ['plaintext'] } });
  server = lsp.server;
});
after(() => lsp.stop());

function setText(uri: string, version: number, text: string): void {
  texts.set(uri, text);
  server.didChange({ textDocument: { uri, version }, contentChanges: [{ text }] });
}

/**
 * Opens `uri` with BASE, then types `v2`; the change to `v3` arrives inside version 2's model call.
 * Returns the tokenFeatures sent after the open, through version 3's.
 */
async function editDuringAnalysis(uri: string, v2: string, v3: string): Promise<{ p: TokenFeaturesParams; liveText: string }[]> {
  texts.set(uri, BASE);
  server.didOpen({ textDocument: { uri, languageId: 'plaintext', version: 1, text: BASE } });
  await client.until(uri, 1);
  const seen = client.features.length;
  const engine = (server as unknown as { analysis: Map<string, { engine?: Engine }> }).analysis.get(uri)?.engine;
  assert.ok(engine, 'the document holds an engine after its first analysis');
  const model = engine.model;
  const run = model.runToHookCached;
  let fired = false;
  model.runToHookCached = (...a) => {
    model.runToHookCached = run;
    fired = true;
    setText(uri, 3, v3);
    return run.apply(model, a);
  };
  try {
    setText(uri, 2, v2);
    await client.until(uri, 3);
  } finally {
    model.runToHookCached = run;
  }
  assert.ok(fired, "version 3 arrived inside version 2's model call");
  server.didClose({ textDocument: { uri } });
  return client.features.slice(seen);
}

/** Length of the common prefix of `a` and `b`. */
function prefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Every published token lies in text that is the same in the version analysed and in the document when it was sent. */
function assertNoStaleRange(f: { p: TokenFeaturesParams; liveText: string }, analysedText: string): void {
  const doc = TextDocument.create('x', 'plaintext', f.p.version, analysedText);
  const unchanged = prefix(analysedText, f.liveText);
  for (const t of f.p.tokens) {
    const end = doc.offsetAt(t.range.end);
    assert.ok(end <= unchanged, `token ${JSON.stringify(t.text)} ends at ${end}, past the first changed character ${unchanged}`);
  }
}

test('typing at the end: the superseded analysis colours its tokens before the next analysis lands', async () => {
  const v2 = `${BASE} She`;
  const v3 = `${v2} loved`;
  const sent = await editDuringAnalysis('file:///superseded-append.txt', v2, v3);
  assert.deepEqual(
    sent.map((f) => f.p.version),
    [2, 3],
    'version 2 is published (it was superseded by an append after it), then version 3',
  );
  const [early, late] = sent;
  assertNoStaleRange(early, v2);
  const doc2 = TextDocument.create('x', 'plaintext', 2, v2);
  assert.equal(doc2.offsetAt(early.p.tokens[early.p.tokens.length - 1].range.end), v2.length, "version 2's tokens reach its typed text");
  const doc3 = TextDocument.create('x', 'plaintext', 3, v3);
  assert.equal(doc3.offsetAt(late.p.tokens[late.p.tokens.length - 1].range.end), v3.length, 'version 3 then covers the newer text');
});

test('an edit inside the superseded analysis: its result is dropped, only the newer version is published', async () => {
  const v2 = `${BASE} She`;
  const v3 = v2.replace('Lily', 'Lucy');
  const sent = await editDuringAnalysis('file:///superseded-middle.txt', v2, v3);
  assert.deepEqual(
    sent.map((f) => f.p.version),
    [3],
    'version 2 coloured "Lily", which changed: not published',
  );
  assertNoStaleRange(sent[0], v3);
});
