// The language server in process: the composition root's Daemon hands its session and jobs to an
// LspServer whose methods are called directly, with a recording LspClient in place of the
// connection. Real stories260K model and the shipped default SAE (assets/default-sae); covers
// hover, inlay hints, focus, status, the shared feature store (a label set through the browser's
// ops shows in the next hover) and job progress on the client's workDoneToken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import * as path from 'node:path';
import { FeatureStore } from '../../server/src/engine/features/feature-store';
import { Commands, Methods, type JobInfo, type TokenFeaturesParams } from '../../protocol';
import type { Daemon } from '../../server/src/daemon';
import { handleFeatureRequest } from '../../server/src/api/feature-ops';
import type { LspServer } from '../../server/src/lsp/lsp-server';
import type { LspClient, ProgressReporter } from '../../server/src/lsp/lsp-client';
import { REPO_ROOT, sharedFile } from '../helpers/paths';
import { startInProcessLsp, type InProcessLsp } from '../helpers/in-process-lsp';
import { RecordingLspClient } from '../helpers/recording-lsp-client';

const DEFAULT_SAE = path.join(REPO_ROOT, 'assets', 'default-sae');
const TEXT = '@top-k 5\nOnce upon a time, there was a little girl named Lily.\nShe loved to play in the park with her dog.';

/** Records what the server sends; `next` waits for a notification matching `pred`. */
/** Records every work-done progress the server opens, with its begin / report / end events. */
class RecordingClient extends RecordingLspClient {
  readonly progresses: { token: unknown; events: unknown[][] }[] = [];
  override progress: LspClient['progress'] = (token) => {
    const rec = { token, events: [] as unknown[][] };
    this.progresses.push(rec);
    return Promise.resolve({
      begin: (...a) => void rec.events.push(['begin', ...a]),
      report: (...a) => void rec.events.push(['report', ...a]),
      end: (m) => void rec.events.push(['end', m]),
      onCancel: () => undefined,
    } satisfies ProgressReporter);
  };
}

let lsp: InProcessLsp;
let daemon: Daemon;
let server: LspServer;
let client: RecordingClient;

before(() => {
  client = new RecordingClient();
  lsp = startInProcessLsp(client, { options: { inlayHints: { enabled: true, minActivation: 0 } } });
  server = lsp.server;
  daemon = lsp.daemon;
});
after(() => lsp.stop());

function open(uri: string, text: string, version = 1): Promise<TokenFeaturesParams> {
  server.didOpen({ textDocument: { uri, languageId: 'jumplens-prompt', version, text } });
  return client.next<TokenFeaturesParams>(Methods.tokenFeatures, (p) => p.uri === uri && p.version === version);
}

test('hover, inlay hints and status on stories260K with the default SAE', async () => {
  const uri = 'file:///in-process-a.jlp';
  const tf = await open(uri, TEXT);
  assert.ok(tf.tokens.length > 20, `${tf.tokens.length} tokens`);
  assert.equal(tf.tokens[0].range.start.line, 1, 'the directive line is not analysed');
  assert.equal(tf.relativeTo, 'store', "the shipped SAE has its feature store: rel is relative to each feature's max over its corpus");
  const k = tf.tokens.findIndex((t, i) => i > 3 && t.top.length > 0);
  assert.ok(k > 0, 'some feature fires after the first tokens');
  const tok = tf.tokens[k];

  const hover = await server.hover({ textDocument: { uri }, position: tok.range.start });
  assert.ok(hover && typeof hover.contents === 'object' && 'value' in hover.contents);
  assert.deepEqual(hover.range, tok.range);
  assert.match(hover.contents.value, new RegExp(`id ${tok.id}\\b`));
  assert.match(hover.contents.value, new RegExp(`\\| #${tok.top[0].id} \\|`), 'the strongest feature is listed');
  // Each listed feature's promoted/suppressed tokens (W_dec · W_U), three each way.
  const effect = hover.contents.value.split('\n').find((l) => l.startsWith(`#${tok.top[0].id} ↑`));
  assert.ok(effect, `no logit effects line for #${tok.top[0].id}: ${hover.contents.value}`);
  assert.equal(effect.match(/`/g)?.length, 12, `three promoted and three suppressed tokens: ${effect}`);
  const directive = await server.hover({ textDocument: { uri }, position: { line: 0, character: 2 } });
  assert.match((directive!.contents as { value: string }).value, /@top-k.*\n\n5 features per token/s);

  const line1 = { start: { line: 1, character: 0 }, end: { line: 1, character: 100 } };
  const hints = await server.inlayHint({ textDocument: { uri }, range: line1 });
  const onLine1 = tf.tokens.filter((t) => t.range.end.line === 1 && t.top.length > 0);
  assert.equal(hints.length, onLine1.length, 'one hint per firing token in the range');
  assert.deepEqual(hints[0].position, onLine1[0].range.end);
  assert.match(String(hints[0].label), new RegExp(`^#${onLine1[0].top[0].id}\\b`));

  const st = server.status({ uri });
  assert.equal(st.model?.name, 'stories260K');
  assert.equal(st.sae?.path, DEFAULT_SAE);
  assert.equal(st.sae?.architecture, 'jumprelu');
  assert.equal(st.sae?.hook, 'blocks.2.hook_resid_post');
  assert.ok(st.memory.numTensors > 0 && st.backend.kind !== 'none');
  assert.equal(server.status({ uri: 'file:///never-opened.jlp' }).model?.name, 'stories260K', 'an unknown document gets the daemon status');
});

test("focus: one feature across the document, scaled by the feature's corpus max from the shipped store", async () => {
  const uri = 'file:///in-process-b.jlp';
  const tf = await open(uri, TEXT);
  const feature = tf.tokens.find((t) => t.top.length > 0)!.top[0].id;
  const r = await server.focusFeature({ uri, feature });
  assert.equal(r.tokens.length, tf.tokens.length);
  // Where the feature ranks in a token's top-k, focus reads the same activation (recomputed from
  // BOS rather than through the KV cache, so equal to float rounding).
  for (let i = 0; i < tf.tokens.length; i++) {
    const listed = tf.tokens[i].top.find((f) => f.id === feature)?.act;
    if (listed !== undefined) assert.ok(Math.abs(r.tokens[i].act - listed) <= 1e-3 * listed, `token ${i}: ${r.tokens[i].act} vs ${listed}`);
  }
  // The default SAE ships its feature store (assets/default-sae/features), so the scale is the
  // feature's max over the store's corpus, not this document's.
  const store = FeatureStore.open(path.join(DEFAULT_SAE, 'features'));
  assert.equal(r.scale, store.maxAct[feature]);
  assert.equal(r.label, store.label(feature));
});

test('focus on a dense feature (left out of every top-k list) reads its own activation on every token', async () => {
  const uri = 'file:///in-process-dense.jlp';
  const tf = await open(uri, TEXT);
  const store = FeatureStore.open(path.join(DEFAULT_SAE, 'features'));
  // The densest feature of the shipped store: above jumplens.denseFeatureThreshold (default 1%).
  const feature = Array.from(store.density).reduce((best, d, i, all) => (d > all[best] ? i : best), 0);
  assert.ok(store.density[feature] > 0.01, `feature ${feature} has density ${store.density[feature]}`);
  assert.ok(
    tf.tokens.every((t) => !t.top.some((f) => f.id === feature)),
    'a dense feature is never in the top-k lists',
  );
  const r = await server.focusFeature({ uri, feature });
  // The reference: the model run from BOS over the prompt's ids, the whole SAE encode, column `feature`.
  const { loadModel } = await import('../../server/src/engine/lm/load-model');
  const { loadSae } = await import('../../server/src/engine/sae/io');
  const { tf: t } = await import('../../server/src/engine/tf');
  const model = await loadModel(sharedFile('models', 'stories260K.bin'));
  const sae = await loadSae(DEFAULT_SAE);
  let want: Float32Array;
  try {
    const bos = model.tokenizer.bosId;
    const ids = [...(bos === undefined ? [] : [bos]), ...tf.tokens.map((x) => x.id)];
    const col = t.tidy(() => {
      const act = model.runToHook([ids], sae.hookName);
      const f = sae.encode(t.reshape(act, [ids.length, model.config.dModel]) as import('../../server/src/engine/tf').Tensor2D);
      return t.slice(f, [0, feature], [ids.length, 1]);
    });
    want = (await col.data()) as Float32Array;
    col.dispose();
    want = want.subarray(bos === undefined ? 0 : 1);
  } finally {
    sae.dispose();
    model.dispose();
  }
  assert.equal(r.tokens.length, tf.tokens.length);
  const firing = r.tokens.filter((x) => x.act > 0).length;
  // The top-k lists never hold it, so reading them gave 0 everywhere.
  assert.ok(firing > 0, `the dense feature fires on ${firing} of ${tf.tokens.length} tokens in focus`);
  assert.equal(firing, Array.from(want).filter((v) => v > 0).length);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(r.tokens[i].act - want[i]) <= 1e-3 * Math.max(1, want[i]), `token ${i}: ${r.tokens[i].act} vs ${want[i]}`);
  assert.equal(r.scale, store.maxAct[feature]);
});

test('one feature store: a label set through the feature browser shows in the next hover', async () => {
  const { loadModel } = await import('../../server/src/engine/lm/load-model');
  const { loadSae } = await import('../../server/src/engine/sae/io');
  const { buildFeatureStore } = await import('../../server/src/engine/features/build-feature-store');
  const sae = path.join(lsp.dir, 'sae');
  cpSync(DEFAULT_SAE, sae, { recursive: true });
  const model = await loadModel(sharedFile('models', 'stories260K.bin'));
  const s = await loadSae(sae);
  try {
    await buildFeatureStore({
      model,
      sae: s,
      corpus: sharedFile('data', 'tinystories-train-first1000.json'),
      out: path.join(sae, 'features'),
      maxTokens: 1024,
      contextSize: 64,
      batchSeqs: 8,
      nTop: 3,
      before: 2,
      after: 1,
    });
  } finally {
    s.dispose();
    model.dispose();
  }
  const uri = 'file:///in-process-c.jlp';
  const tf = await open(uri, `@sae ${sae}\n${TEXT.split('\n').slice(1).join('\n')}`);
  const tok = tf.tokens.find((t) => t.top.length > 0)!;
  const ctx = daemon.featureOps();
  assert.ok(ctx, 'the browser sees the store of the SAE the document uses');
  assert.equal(
    ctx.store,
    (server as unknown as { analysis: Map<string, { engine?: { store?: unknown } }> }).analysis.get(uri)?.engine?.store,
    'the same store object as the hover reads',
  );
  handleFeatureRequest(ctx, { id: 1, op: 'setLabel', feature: tok.top[0].id, label: 'little-girl-ish' });
  const hover = await server.hover({ textDocument: { uri }, position: tok.range.start });
  assert.match((hover!.contents as { value: string }).value, new RegExp(`\\| #${tok.top[0].id} \\| little-girl-ish \\|`));
  assert.equal((await server.focusFeature({ uri, feature: tok.top[0].id })).label, 'little-girl-ish');
  // Typing at the end recomputes only the last token; the earlier ones are reused from the last
  // analysis unless what they show changed, as the label has.
  const text = `@sae ${sae}\n${TEXT.split('\n').slice(1).join('\n')}`;
  const lines = text.split('\n');
  const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
  server.didChange({ textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: end, end }, text: ' Then' }] });
  const next = await client.next<TokenFeaturesParams>(Methods.tokenFeatures, (p) => p.uri === uri && p.version === 2);
  const again = next.tokens.find((t) => t.range.start.line === tok.range.start.line && t.range.start.character === tok.range.start.character);
  assert.equal(again?.top[0].label, 'little-girl-ish', 'the label shows on an unchanged token in the next analysis');
  const other = next.tokens.filter((t) => t !== again && t.top.some((f) => f.id === tok.top[0].id));
  for (const t of other) assert.equal(t.top.find((f) => f.id === tok.top[0].id)?.label, 'little-girl-ish');
});

test('a job command reports progress on the client workDoneToken and ends with its outcome', async () => {
  const before = client.progresses.length;
  const r = await server.executeCommand({
    command: Commands.evaluate,
    arguments: [{ kind: 'eval', sae: DEFAULT_SAE, corpus: path.join(lsp.dir, 'no-such-corpus.txt') }],
    workDoneToken: 'client-token-1',
  });
  const fin = await client.next<{ type: string; job: JobInfo }>(
    Methods.jobEvent,
    (e) => e.type === 'state' && e.job.id === r.jobId && e.job.state === 'failed',
    120_000,
  );
  assert.match(fin.job.error ?? '', /no-such-corpus/);
  await new Promise((res) => setImmediate(res));
  const mine = client.progresses.slice(before);
  assert.equal(mine.length, 1, 'one progress per job');
  assert.equal(mine[0].token, 'client-token-1', "on the client's token, not a new one");
  // The queue starts an idle job at once, so the progress begins as `running`; not cancellable from
  // the server's side (the client that owns the token cancels through jumplens.job.cancel).
  assert.deepEqual(mine[0].events[0], ['begin', 'JumpLens eval', 'running', false]);
  const end = mine[0].events.at(-1)!;
  assert.equal(end[0], 'end');
  assert.match(String(end[1]), /^failed: .*no-such-corpus/);
  assert.deepEqual(
    server.listJobs().map((j) => j.id),
    [r.jobId],
  );
});
