// The feature browser in Chromium, on a store built from real TinyStories text with the real
// engine, its requests answered by the daemon's real ws server and feature ops (the endpoint in the
// URL hash, as the extension hands it over); the host shim only records the page's UI messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { FeatureStore, LABELS_FILE } from '../../server/src/engine/features/feature-store';
import { featureCard, listFeatures, logitEffectByPatching, type FeatureOpsContext } from '../../server/src/api/feature-ops';
import { loadLlama2c } from '../../server/src/engine/lm/load-model';
import { tf, type Tensor2D } from '../../server/src/engine/tf';
import { startWsServer, type WsServerHandle } from '../../server/src/api/ws-server';
import { JobQueue } from '../../server/src/jobs/job-queue';
import { buildRealTextStore, PROBE_HOOK } from '../helpers/real-feature-store';
import { sharedFile, tempDir } from '../helpers/paths';
import { buildWebviews, launch, openHosted, SCREENSHOTS, skipReason, startServer, type HostedPage } from './webview-harness';

const skip = skipReason();
let tmp: ReturnType<typeof tempDir>;
let ctx: FeatureOpsContext;
let browser: Browser;
let server: Server;
let origin: string;
let hp: HostedPage;
let model: ReturnType<typeof loadLlama2c>;
let wDecT: Tensor2D;

let ws: WsServerHandle;

before(async () => {
  if (skip) return;
  tmp = tempDir();
  const { tokenizer, wDec, dIn } = await buildRealTextStore(tmp.dir, { dSae: 256 });
  const store = FeatureStore.open(tmp.dir);
  model = loadLlama2c(sharedFile('models', 'stories260K.bin'));
  wDecT = tf.tensor2d(wDec, [store.dSae, dIn]);
  const prompt = model.tokenizer.encode('Once upon a time, there was').map((t) => t.id);
  ctx = { store, tokenizer, logitEffect: logitEffectByPatching(model, PROBE_HOOK, wDecT, prompt, (j) => store.maxAct[j] || 1), logitTopK: 6 };
  ws = await startWsServer({ status: () => ({}) as never, analyze: async () => [], jobs: new JobQueue(path.join(tmp.dir, 'runs')), features: () => ctx });
  buildWebviews();
  ({ origin, server } = await startServer());
  browser = await launch();
  hp = await openHosted(browser, `${origin}/features.html#ws=${encodeURIComponent(ws.url)}&token=${ws.token}`, () => null, { width: 1000, height: 700 });
  await hp.page.waitForSelector('.vlist .row');
});

after(async () => {
  if (skip) return;
  await browser?.close();
  server?.close();
  await ws?.close();
  tmp?.cleanup();
  wDecT?.dispose();
  model?.dispose();
});

const rowIds = () => hp.page.$$eval('.vlist .row', (rs) => rs.map((r) => Number((r as HTMLElement).dataset.id)));

test('the list opens under the strict CSP, virtualised, sparse features only by default', { skip }, async () => {
  const total = Number(await hp.page.getAttribute('.list', 'data-total'));
  const expected = listFeatures(ctx, { id: 0, op: 'listFeatures' }).total;
  assert.equal(total, expected, 'default filter hides features above 1% density');
  assert.ok(total > 30, `enough sparse features to need scrolling (${total})`);
  const ids = await rowIds();
  assert.ok(ids.length < total, `only visible rows are in the DOM (${ids.length} of ${total})`);
  // Scrolling renders later rows and drops early ones.
  await hp.page.$eval('.list', (l) => (l.scrollTop = l.scrollHeight));
  await hp.page.waitForFunction((first) => !document.querySelector(`.vlist .row[data-id="${first}"]`), ids[0]);
  const last = listFeatures(ctx, { id: 0, op: 'listFeatures' }).ids.at(-1)!;
  await hp.page.waitForSelector(`.vlist .row[data-id="${last}"]`);
  await hp.page.fill('.max-density', '100');
  await hp.page.dispatchEvent('.max-density', 'change');
  await hp.page.waitForFunction((n) => document.querySelector<HTMLElement>('.list')?.dataset.total === String(n), ctx.store.dSae);
  assert.deepEqual(hp.cspViolations, []);
  assert.deepEqual(hp.errors, []);
});

test('find a feature by the token it fires on, open its card, label it, find it by label', { skip }, async () => {
  // A word some feature's strongest context is centred on.
  const all = listFeatures(ctx, { id: 0, op: 'listFeatures', maxDensity: 1 }).ids;
  const probe = all.find((j) => featureCard(ctx, j).top.length > 0)!;
  const c0 = featureCard(ctx, probe).top[0];
  const word = c0.tokens[c0.centre].trim();
  await hp.page.fill('.search', `token:${word}`);
  await hp.page.press('.search', 'Enter');
  await hp.page.waitForSelector(`.vlist .row[data-id="${probe}"]`);
  const shown = await rowIds();
  assert.ok(shown.length >= 1);
  await hp.page.click(`.vlist .row[data-id="${probe}"]`);
  await hp.page.waitForSelector(`.card[data-feature="${probe}"] .context`);
  const centres = await hp.page.$$eval('.card .context .tok.centre', (ts) => ts.map((t) => t.textContent ?? ''));
  assert.equal(centres[0].trim().toLowerCase(), word.toLowerCase());
  // Token highlighting scales with act / this feature's max: the centre of the top context is the darkest.
  const alpha = await hp.page.$eval('.card .context .tok.centre', (t) => getComputedStyle(t).backgroundColor);
  // Promoted / suppressed output tokens, from the decoder direction patched into the real model.
  const expected = featureCard(ctx, probe);
  assert.equal(await hp.page.$$eval('.logit-list.pos > div', (d) => d.length), 6);
  assert.equal(await hp.page.textContent('.logit-list.pos > div:first-of-type code'), JSON.stringify(expected.promoted![0].token));
  assert.equal(await hp.page.textContent('.logit-list.neg > div:first-of-type code'), JSON.stringify(expected.suppressed![0].token));
  assert.match(alpha, /rgb\(242, 142, 43\)|rgba\(242, 142, 43, 1\)/, `strongest token fully shaded (${alpha})`);

  await hp.page.fill('.label-edit', `fires on ${word}`);
  await hp.page.press('.label-edit', 'Enter');
  await hp.page.waitForSelector('.card .saved:text("saved")');
  const saved = JSON.parse(readFileSync(path.join(tmp.dir, LABELS_FILE), 'utf8'));
  assert.equal(saved.labels[String(probe)], `fires on ${word}`);

  await hp.page.fill('.search', `fires on ${word}`);
  await hp.page.press('.search', 'Enter');
  await hp.page.waitForFunction(() => document.querySelector<HTMLElement>('.list')?.dataset.total === '1');
  assert.deepEqual(await rowIds(), [probe]);
  assert.equal(await hp.page.textContent(`.vlist .row[data-id="${probe}"] .label`), `fires on ${word}`);

  // Hovering a token in the editor marks its features and the open card's histogram value.
  await hp.send({
    type: 'hoveredToken',
    token: {
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
      id: 0,
      text: word,
      max: c0.value,
      rel: 1,
      l0: 1,
      top: [{ id: probe, act: c0.value }],
    },
  });
  await hp.page.waitForSelector(`.vlist .row.marked[data-id="${probe}"]`);
  assert.equal(Number(await hp.page.getAttribute('.card', 'data-hovered')), c0.value);
  // "Features firing on this token": the list narrows to the hovered token's features, and back.
  await hp.page.fill('.search', '');
  await hp.page.click('button.on-token');
  await hp.page.waitForFunction(() => document.querySelector<HTMLElement>('.list')?.dataset.total === '1');
  assert.deepEqual(await rowIds(), [probe]);
  await hp.page.click('button.on-token');
  await hp.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.list')?.dataset.total) > 1);

  await hp.page.fill('.search', '');
  await hp.page.press('.search', 'Enter');
  await hp.page.waitForFunction(() => Number(document.querySelector<HTMLElement>('.list')?.dataset.total) > 1);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await hp.page.screenshot({ path: path.join(SCREENSHOTS, 'feature-browser.png') });
  assert.deepEqual(hp.cspViolations, []);
});

test('"Focus in editor" posts focusFeature to the extension', { skip }, async () => {
  await hp.page.click('.card button.focus');
  await hp.page.waitForFunction(() => true);
  const f = hp.posted.find((m) => (m as { type: string }).type === 'focusFeature') as { feature: number } | undefined;
  assert.ok(f, 'focusFeature sent');
  assert.equal(f.feature, Number(await hp.page.getAttribute('.card', 'data-feature')));
});

test('Neuronpedia labels import from the UI and render as text, never markup', { skip }, async () => {
  const file = path.join(tmp.dir, 'neuronpedia.json');
  writeFileSync(
    file,
    JSON.stringify([
      { index: 3, description: '<img src=x onerror="window.__pwned=1"> quotes' },
      { index: 4, description: 'dialogue openers' },
    ]),
  );
  await hp.page.fill('.import-path', file);
  await hp.page.click('button.import');
  await hp.page.waitForSelector('.status:text("Imported 2 labels")');
  await hp.page.fill('.search', 'quotes');
  await hp.page.press('.search', 'Enter');
  await hp.page.waitForSelector('.vlist .row[data-id="3"]');
  assert.equal(await hp.page.textContent('.vlist .row[data-id="3"] .label'), '<img src=x onerror="window.__pwned=1"> quotes');
  assert.equal(await hp.page.$$eval('.vlist img', (i) => i.length), 0);
  assert.equal(await hp.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  await hp.page.fill('.import-path', path.join(tmp.dir, 'nope.json'));
  await hp.page.click('button.import');
  await hp.page.waitForSelector('.status:has-text("nope.json")');
});

test('the CSP is in force: an injected inline script does not run and is reported', { skip }, async () => {
  const before = hp.cspViolations.length;
  await hp.page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = 1';
    document.body.append(s);
  });
  const ran = await hp.page.evaluate(() => (window as unknown as { __inline?: number }).__inline);
  assert.equal(ran, undefined, 'inline script blocked');
  for (let i = 0; i < 20 && hp.cspViolations.length === before; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(hp.cspViolations.length > before, 'the violation was reported');
  assert.match(hp.cspViolations.slice(before).join('\n'), /script-src/);
  hp.cspViolations.splice(before);
});
