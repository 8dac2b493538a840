import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tf } from '../../../server/src/engine/tf';
import { initBackend } from '../../../server/src/engine/backend';
import { FeatureStore } from '../../../server/src/engine/features/feature-store';
import { featureCard, handleFeatureRequest, listFeatures, pieceText, type FeatureOpsContext } from '../../../server/src/api/feature-ops';
import { parseFeatureRequest, type FeatureListResult } from '../../../protocol';
import { buildRealTextStore } from '../../helpers/real-feature-store';
import { tempDir } from '../../helpers/paths';

let tmp: ReturnType<typeof tempDir>;
let ctx: FeatureOpsContext;

before(async () => {
  await initBackend();
  tmp = tempDir();
  const { tokenizer } = await buildRealTextStore(tmp.dir);
  ctx = { store: FeatureStore.open(tmp.dir), tokenizer };
});
after(() => tmp.cleanup());

const list = (o: object = {}) => listFeatures(ctx, { id: 1, op: 'listFeatures', ...o });

test('listFeatures hides features denser than maxDensity (default 1%) and sorts by density, descending', () => {
  const d = ctx.store.density;
  const all = list({ maxDensity: 1 });
  assert.equal(all.total, ctx.store.dSae);
  for (let i = 1; i < all.ids.length; i++) assert.ok(all.density[i - 1] >= all.density[i], 'density descends');
  const def = list();
  const expected = Array.from(d).filter((x) => x <= 0.01).length;
  assert.equal(def.total, expected);
  assert.ok(expected < ctx.store.dSae && expected > 0, 'the real-text store has both dense and sparse features');
  assert.ok(def.density.every((x) => x <= 0.01));
  const mid = list({ minDensity: 0.005, maxDensity: 0.02 });
  assert.ok(mid.density.every((x) => x >= 0.005 && x <= 0.02));
  assert.deepEqual(
    mid.density,
    mid.ids.map((j) => d[j]),
  );
});

test('listFeatures pages, sorts by max activation ascending and by id', () => {
  const byMax = list({ sort: 'maxAct', descending: false, maxDensity: 1 });
  for (let i = 1; i < byMax.ids.length; i++) assert.ok(byMax.maxAct[i - 1] <= byMax.maxAct[i]);
  const page = list({ sort: 'id', maxDensity: 1, offset: 10, limit: 5 });
  assert.deepEqual(page.ids, [10, 11, 12, 13, 14]);
  assert.equal(page.total, ctx.store.dSae);
});

test('search by id, label (after setLabel) and by the token a feature fires on', () => {
  assert.deepEqual(list({ query: '#7' }).ids, [7]);
  assert.deepEqual(list({ query: '99999' }).ids, []);
  handleFeatureRequest(ctx, { id: 2, op: 'setLabel', feature: 5, label: 'Names of girls' });
  handleFeatureRequest(ctx, { id: 3, op: 'setLabel', feature: 9, label: 'girl after article' });
  const r = list({ query: 'GIRL', maxDensity: 1, sort: 'label' }) as FeatureListResult;
  assert.deepEqual(r.ids, [9, 5], 'case-insensitive label match, sorted by label');
  assert.equal(r.labels['5'], 'Names of girls');
  assert.equal(FeatureStore.open(tmp.dir).label(5), 'Names of girls', 'label saved on disk');
  handleFeatureRequest(ctx, { id: 4, op: 'setLabel', feature: 9, label: '' });
  assert.deepEqual(list({ query: 'girl', maxDensity: 1 }).ids, [5]);

  // The token at the centre of some feature's strongest context: searching it must find that feature.
  const probe = list({ maxDensity: 1 }).ids.find((j) => featureCard(ctx, j).top.length > 0)!;
  const c0 = featureCard(ctx, probe).top[0];
  const word = c0.tokens[c0.centre].trim().toLowerCase();
  const hits = list({ query: `token: ${word}`, maxDensity: 1 });
  assert.ok(hits.ids.includes(probe), `feature ${probe} fires on "${word}"`);
  const centredOn = (j: number) => featureCard(ctx, j).top.some((t) => t.tokens[t.centre].trim().toLowerCase() === word);
  for (const j of hits.ids) assert.ok(centredOn(j), `feature ${j} has a top context centred on "${word}"`);
  const notHits = list({ maxDensity: 1 }).ids.filter((j) => !hits.ids.includes(j));
  assert.ok(notHits.length > 0);
  for (const j of notHits) assert.ok(!centredOn(j));
});

test('featureCard gives context tokens as text, the centre at the top activation', () => {
  const j = list({ maxDensity: 1 }).ids[0];
  const c = featureCard(ctx, j);
  assert.ok(c.top.length > 0);
  for (const t of c.top) {
    assert.equal(t.tokens.length, t.acts.length);
    assert.equal(t.acts[t.centre], t.value);
    assert.ok(t.tokens[t.centre].length > 0);
    assert.ok(!t.tokens.join('').includes('\u2581'), 'SentencePiece spaces shown as spaces');
  }
  assert.ok(Math.abs(c.top[0].value - c.maxAct) < 1e-5);
  assert.equal(c.promoted, undefined, 'no unembedding, no logit lists');
  assert.throws(() => featureCard(ctx, ctx.store.dSae), /out of range/);
});

test('promoted/suppressed tokens come from the decoder row through the unembedding, without leaking tensors', () => {
  const dModel = 4;
  const vocab = 6;
  // Feature 0's decoder row is e_0; W_U's row 0 gives token 3 the largest logit and token 1 the smallest.
  const wDec = tf.tensor2d(
    Array.from({ length: ctx.store.dSae * dModel }, (_, i) => (i % (dModel + 1) === 0 && i < dModel ? 1 : 0)),
    [ctx.store.dSae, dModel],
  );
  const wU = tf.tensor2d([0, -5, 1, 9, 2, 0.5, ...new Array(vocab * (dModel - 1)).fill(0)], [dModel, vocab]);
  const c2: FeatureOpsContext = { ...ctx, unembed: { wDec, wU }, logitTopK: 2 };
  const n0 = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) featureCard(c2, 0);
  assert.equal(tf.memory().numTensors, n0);
  const c = featureCard(c2, 0);
  assert.deepEqual(
    c.promoted?.map((p) => p.logit),
    [9, 2],
  );
  assert.deepEqual(
    c.suppressed?.map((p) => p.logit),
    [-5, 0],
  );
  assert.equal(c.promoted?.[0].token, pieceText(ctx.tokenizer, 3));
  wDec.dispose();
  wU.dispose();
});

test('importLabels reads a Neuronpedia export; bad requests are refused with a reason', () => {
  const f = path.join(tmp.dir, 'np.json');
  writeFileSync(
    f,
    JSON.stringify([
      { index: '3', description: 'dialogue openers' },
      { index: 4, explanation: 'the word "mom"' },
    ]),
  );
  assert.deepEqual(handleFeatureRequest(ctx, { id: 1, op: 'importLabels', file: f }), { imported: 2 });
  assert.deepEqual(list({ query: 'mom', maxDensity: 1 }).ids, [4]);
  assert.throws(() => handleFeatureRequest(ctx, { id: 1, op: 'importLabels', file: path.join(tmp.dir, 'missing.json') }), /missing\.json/);

  assert.equal(parseFeatureRequest({ id: 1, op: 'listFeatures', sort: 'density', maxDensity: 0.05 }).ok, true);
  const bad = [
    [{ id: 1, op: 'listFeatures', sort: 'colour' }, /unknown sort/],
    [{ id: 1, op: 'listFeatures', maxDensity: 2 }, /maxDensity.*0\.\.1/],
    [{ id: 1, op: 'featureCard' }, /needs "feature"/],
    [{ id: 1, op: 'featureCard', feature: 1.5 }, /integer/],
    [{ id: 1, op: 'setLabel', feature: 1 }, /label/],
    [{ id: 1, op: 'importLabels' }, /needs "file"/],
    [{ id: 1, op: 'drop' }, /unknown op/],
    [{ op: 'listFeatures' }, /"id"/],
  ] as const;
  for (const [m, re] of bad) {
    const r = parseFeatureRequest(m);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.error, re);
  }
});

test('logit effect by patching stories260K: the decoder direction moves logits, and its negation reverses them', async () => {
  const { loadLlama2c } = await import('../../../server/src/engine/lm/load-model');
  const { logitEffectByPatching } = await import('../../../server/src/api/feature-ops');
  const { sharedFile } = await import('../../helpers/paths');
  const model = loadLlama2c(sharedFile('models', 'stories260K.bin'));
  const d = model.config.dModel;
  const wDec = tf.randomNormal([2, d], 0, 1, 'float32', 3) as import('../../../server/src/engine/tf').Tensor2D;
  const wNeg = tf.neg(wDec) as typeof wDec;
  try {
    const prompt = model.tokenizer.encode('Once upon a time').map((t) => t.id);
    const hook = 'blocks.4.hook_resid_post';
    // A small push keeps the response near-linear, so d and -d act in opposite directions.
    const eff = logitEffectByPatching(model, hook, wDec, prompt, () => 0.05);
    const neg = logitEffectByPatching(model, hook, wNeg, prompt, () => 0.05);
    const n0 = tf.memory().numTensors;
    const a = eff(0);
    eff(0);
    assert.equal(tf.memory().numTensors, n0, 'no tensors leak per card');
    const b = neg(0);
    assert.equal(a.length, model.config.vocabSize);
    let dot = 0;
    let na = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
    }
    assert.ok(na > 1e-8, 'the direction changes the logits');
    assert.ok(dot / na < -0.9, `negated direction reverses the effect (cos ≈ ${(dot / na).toFixed(3)})`);
    const zero = logitEffectByPatching(model, hook, wDec, prompt, () => 0)(1);
    assert.ok(
      zero.every((x) => Math.abs(x) < 1e-5),
      'zero scale, zero effect',
    );
    const card = featureCard({ ...ctx, tokenizer: model.tokenizer, logitEffect: eff, logitTopK: 5 }, 0);
    assert.equal(card.promoted?.length, 5);
    assert.ok(card.promoted!.every((p, i) => i === 0 || card.promoted![i - 1].logit >= p.logit));
    assert.ok(card.promoted![0].logit > 0 && card.suppressed![0].logit < 0);
    assert.ok(Math.abs(card.promoted![0].logit - Math.max(...a)) < 1e-6);
  } finally {
    wDec.dispose();
    wNeg.dispose();
    model.dispose();
  }
});

test('the registry opens <sae>/features once; featureOpsFor refuses a store of another width', async () => {
  const { loadLlama2c } = await import('../../../server/src/engine/lm/load-model');
  const { featureOpsFor } = await import('../../../server/src/api/feature-ops');
  const { FeatureStoreRegistry } = await import('../../../server/src/session/feature-stores');
  const stores = new FeatureStoreRegistry();
  const { sharedFile } = await import('../../helpers/paths');
  const { cpSync, mkdirSync } = await import('node:fs');
  const model = loadLlama2c(sharedFile('models', 'stories260K.bin'));
  const sae = tempDir();
  try {
    assert.equal(stores.forSae(sae.dir), undefined, 'no store yet');
    mkdirSync(path.join(sae.dir, 'features'));
    cpSync(path.join(tmp.dir, 'feature_store.safetensors'), path.join(sae.dir, 'features', 'feature_store.safetensors'));
    assert.equal(stores.forSae(sae.dir), undefined, 'a known absence is remembered until invalidated');
    stores.invalidate(sae.dir);
    const store = stores.forSae(sae.dir)!;
    assert.equal(store.dir, path.join(sae.dir, 'features'));
    assert.equal(stores.forSae(path.join(sae.dir, '.')), store, 'one open per SAE');
    const wDec = tf.randomNormal([ctx.store.dSae, model.config.dModel], 0, 0.1, 'float32', 1);
    const c = featureOpsFor(store, model, { hookName: 'blocks.2.hook_resid_post', params: () => ({ W_dec: wDec }) });
    const card = featureCard(c, 0);
    assert.equal(card.promoted?.length, 10);
    assert.ok(card.promoted![0].logit > card.suppressed![0].logit);
    const wrong = tf.zeros([3, model.config.dModel]);
    assert.throws(
      () => featureOpsFor(store, model, { hookName: 'blocks.2.hook_resid_post', params: () => ({ W_dec: wrong }) }),
      /has \d+ features but the SAE's W_dec has 3 rows/,
    );
    wDec.dispose();
    wrong.dispose();
  } finally {
    model.dispose();
    sae.cleanup();
  }
});
