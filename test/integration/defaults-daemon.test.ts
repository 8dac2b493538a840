// The daemon on defaults, over stdio as an editor talks to it: model names looked up in
// jumplens.modelsDir with every place named when missing; with no settings the bundled SAE colours
// a story without one dense feature winning every token; jobs with no model, hook or corpus run on
// the SAE's cfg and the bundled corpus; a store built for an SAE outside the workspace is registered
// and serves the next hover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { startDaemon, writeRandomSae, type Daemon } from '../helpers/daemon-client';
import { REPO_ROOT, tempDir } from '../helpers/paths';
import type { JobEvent, JobInfo, TokenFeaturesParams } from '../../protocol';
import { QUICK_TRAIN_RECIPE } from '../../protocol/train';
import { FeatureStoreRegistry } from '../../server/src/session/feature-stores';
import { FeatureStore } from '../../server/src/engine/features/feature-store';

const tmp = tempDir('jumplens-defaults-');
const ws = path.join(tmp.dir, 'ws');
const runsDir = path.join(ws, '.jumplens', 'runs');
const modelsDir = path.join(tmp.dir, 'my-models');
let d: Daemon;

const STORY =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. ' +
  'One day, she saw a big red ball under a tree. She ran to get it and smiled at her mom.';

before(async () => {
  mkdirSync(ws, { recursive: true });
  mkdirSync(modelsDir, { recursive: true });
  // A model only jumplens.modelsDir holds (the tokenizer beside it, as llama2.c ships it).
  copyFileSync(path.join(REPO_ROOT, 'assets', 'models', 'stories260K.bin'), path.join(modelsDir, 'renamed260K.bin'));
  copyFileSync(path.join(REPO_ROOT, 'assets', 'models', 'tok512.bin'), path.join(modelsDir, 'tok512.bin'));
  d = await startDaemon({ debounceMs: 0, modelsDir, runsDir }, ws);
});
after(async () => {
  await d?.close();
  tmp.cleanup();
});

const jobDone = async (jobId: string) => {
  const ev = (await d.waitFor(
    'jumplens/jobEvent',
    (e: JobEvent) => e.type === 'state' && e.job.id === jobId && ['done', 'failed', 'cancelled'].includes(e.job.state),
    240_000,
  )) as { job: JobInfo };
  assert.equal(ev.job.state, 'done', ev.job.error);
  return ev.job;
};

async function open(uri: string, text: string) {
  await d.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text } });
  return (await d.waitFor('jumplens/tokenFeatures', (p: TokenFeaturesParams) => p.uri === uri && p.version === 1, 120_000)) as TokenFeaturesParams;
}

test('a model name is found in jumplens.modelsDir; a missing one names every place looked', async () => {
  const ok = await open('file:///defaults-models.jlp', '@model renamed260K.bin\nThe cat sat on the mat.');
  assert.ok(ok.tokens.length > 3, 'the model from modelsDir analysed the prompt');
  const uri = 'file:///defaults-missing.jlp';
  await d.conn.sendNotification('textDocument/didOpen', {
    textDocument: { uri, languageId: 'jumplens-prompt', version: 1, text: '@model no-such-model-xyz.bin\nHello.' },
  });
  const diag = await d.waitFor('textDocument/publishDiagnostics', (p) => p.uri === uri && p.diagnostics.length > 0, 60_000);
  const msg = diag.diagnostics.map((x: { message: string }) => x.message).join('\n');
  for (const place of ['bundled models', 'jumplens.modelsDir', modelsDir, 'workspace folder', ws])
    assert.ok(msg.includes(place), `the error names ${place}: ${msg}`);
});

test('with no settings the bundled SAE colours a story with dense features left out of ranking', async () => {
  const uri = 'file:///defaults-story.jlp';
  const tf = await open(uri, STORY);
  const body = tf.tokens;
  assert.ok(body.length >= 50, `${body.length} tokens`);
  const store = JSON.parse(readFileSync(path.join(REPO_ROOT, 'assets', 'default-sae', 'cfg.json'), 'utf8')) as { d_sae: number };
  assert.equal(store.d_sae, 1024);
  const tops = body.filter((t) => t.top.length > 0).map((t) => t.top[0].id);
  const counts = new Map<number, number>();
  for (const id of tops) counts.set(id, (counts.get(id) ?? 0) + 1);
  const [commonId, common] = [...counts].sort((a, b) => b[1] - a[1])[0];
  assert.ok(common < body.length / 2, `feature #${commonId} is the strongest on ${common} of ${body.length} tokens`);
  // The store's densest feature (above the 1% default, so hidden) ranks nowhere.
  const density = FeatureStore.open(path.join(REPO_ROOT, 'assets', 'default-sae', 'features')).density;
  const densest = density.indexOf(Math.max(...density));
  assert.ok(density[densest] > 0.01, `densest feature #${densest} fires on ${density[densest]}`);
  assert.ok(!tops.includes(densest), `the densest feature #${densest} (${(100 * density[densest]).toFixed(0)}% of tokens) ranks nowhere`);
  assert.ok(
    body.some((t) => (t.hidden ?? 0) > 0),
    'dense features are counted as hidden',
  );
  // The hover: % of the corpus max (a store exists), and the dense ones named as hidden.
  const i = body.findIndex((t) => t.top.length > 0 && (t.hidden ?? 0) > 0);
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: body[i].range.start })) as { contents: { value: string } };
  assert.match(h.contents.value, /of corpus max/);
  assert.match(h.contents.value, /Dense features hidden: \d+/);
  assert.match(h.contents.value, /\| #\d+ \|[^|]*\| [\d.]+ \| \d+% \| [\d.]+%/);
});

test('an eval job with no sae, model or corpus runs on the bundled SAE and corpus', async () => {
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.eval', arguments: [{ tokens: 1024 }] })) as { jobId: string };
  const job = await jobDone(r.jobId);
  assert.equal(job.spec.sae, path.join(REPO_ROOT, 'assets', 'default-sae'));
  assert.equal(job.spec.model, path.join(REPO_ROOT, 'assets', 'models', 'stories260K.bin'));
  assert.equal(job.spec.corpus, path.join(REPO_ROOT, 'assets', 'corpus', 'tinystories-train-700-999.json'));
  assert.ok(job.result?.kind === 'eval' && Number.isFinite(job.result.metrics['metrics/fvu']));
});

test('a train job with no model, hook or corpus takes them from the SAE and collects only steps x batch tokens', async () => {
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.train', arguments: [{ train: { steps: 3, batchSize: 512 } }] })) as {
    jobId: string;
  };
  const job = await jobDone(r.jobId);
  assert.equal(job.spec.train?.hook, 'blocks.2.hook_resid_post');
  assert.equal(job.spec.train?.lr, QUICK_TRAIN_RECIPE.lr, 'the quick recipe');
  assert.equal(job.spec.train?.l0Coefficient, QUICK_TRAIN_RECIPE.l0Coefficient);
  assert.equal(job.spec.train?.bandwidth, undefined, 'θ₀ and ε come from the data');
  assert.equal(job.spec.train?.lrDecaySteps, 0, 'a fifth of 3 steps');
  assert.equal(job.spec.train?.d_sae, 256);
  const collected = d.notes
    .filter((n) => n.method === 'jumplens/jobEvent' && n.params.type === 'progress' && n.params.jobId === job.id)
    .flatMap((n) => [...(/collecting activations: (\d+) tokens/.exec(n.params.progress.message ?? '') ?? [])].slice(1).map(Number));
  assert.ok(collected.length > 0 && Math.max(...collected) <= 3 * 512 + 256, `collected ${Math.max(...collected)} tokens for 3 x 512`);
});

test('a store built for an SAE outside the workspace is registered and serves the next hover', async () => {
  const sae = await writeRandomSae(path.join(tmp.dir, 'outside-sae'));
  const r = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.featureStore', arguments: [{ sae, tokens: 1024 }] })) as {
    jobId: string;
  };
  const job = await jobDone(r.jobId);
  assert.ok(!existsSync(path.join(sae, 'features')), 'nothing written beside an SAE outside the workspace');
  const index = JSON.parse(readFileSync(path.join(runsDir, 'feature-stores.json'), 'utf8')) as { stores: Record<string, string> };
  assert.equal(index.stores[sae], path.join(job.dir, 'features'));
  const uri = 'file:///defaults-outside.jlp';
  const tf = await open(uri, `@sae ${sae}\nThe dog ran to the park.`);
  // A random SAE's features are dense: the registered store's densities hide them (no store, no hiding).
  const t = tf.tokens.find((x) => (x.hidden ?? 0) > 0);
  assert.ok(t, 'the registered store is loaded (its densities mark features dense)');
  const h = (await d.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: t.range.start })) as { contents: { value: string } };
  assert.match(h.contents.value, /Dense features hidden/);

  // A store inside the workspace is written beside its SAE.
  const inside = await writeRandomSae(path.join(ws, 'saes', 'mine'));
  const r2 = (await d.conn.sendRequest('workspace/executeCommand', { command: 'jumplens.job.featureStore', arguments: [{ sae: inside, tokens: 1024 }] })) as {
    jobId: string;
  };
  await jobDone(r2.jobId);
  assert.ok(existsSync(path.join(inside, 'features', 'feature_store.safetensors')));
});

test("labels edited for the bundled SAE go to the runs folder's overlay, over the bundled labels", () => {
  const bundled = path.join(REPO_ROOT, 'assets', 'default-sae');
  const labelsDir = path.join(tmp.dir, 'label-runs');
  const reg = new FeatureStoreRegistry();
  reg.useRunsDir(labelsDir);
  const store = reg.forSae(bundled)!;
  assert.ok(store.labelsOverlay?.startsWith(labelsDir), `overlay ${store.labelsOverlay}`);
  const before = existsSync(path.join(bundled, 'features', 'labels.json')) ? readFileSync(path.join(bundled, 'features', 'labels.json'), 'utf8') : undefined;
  store.setLabel(5, 'girl names');
  const after = existsSync(path.join(bundled, 'features', 'labels.json')) ? readFileSync(path.join(bundled, 'features', 'labels.json'), 'utf8') : undefined;
  assert.equal(after, before, 'the extension folder is not written');
  const again = new FeatureStoreRegistry();
  again.useRunsDir(labelsDir);
  assert.equal(again.forSae(bundled)!.label(5), 'girl names', 'the edit is read back over the bundled labels');
});
