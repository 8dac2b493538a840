// The dashboard in Chromium under the strict CSP. Until the daemon is on main the test plays the
// extension's relay: it records what the page sends and posts job events in the daemon's push
// format (protocol/jobs.ts JobEvent), so the forms' validation, the live plots and the
// frontier's picking are exercised through the real bundle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import type { JobInfo, JobSpec, TrainProgressEvent } from '../../protocol';
import { buildWebviews, launch, openHosted, SCREENSHOTS, skipReason, startServer, type HostedPage } from './webview-harness';

const skip = skipReason();
let browser: Browser;
let server: Server;
let hp: HostedPage;
const started: JobSpec[] = [];

function relay(m: unknown): unknown {
  const msg = m as { type: string; req?: { id: number; op: string; spec?: JobSpec } };
  if (msg.type !== 'request' || !msg.req) return null;
  const { id, op } = msg.req;
  if (op === 'listJobs') return { type: 'reply', reply: { id, ok: true, result: [] } };
  if (op === 'startJob') {
    started.push(msg.req.spec!);
    return { type: 'reply', reply: { id, ok: true, result: { jobId: `job-${started.length}` } } };
  }
  return { type: 'reply', reply: { id, ok: false, error: `op ${op} not available in this test` } };
}

const push = (event: unknown) => hp.send({ type: 'push', push: { push: 'jobEvent', event } });
const job = (id: string, spec: JobSpec, state: JobInfo['state'], result?: unknown): JobInfo => ({ id, spec, state, createdAt: new Date().toISOString(), dir: `/runs/${id}`, result: result as JobInfo["result"] });

before(async () => {
  if (skip) return;
  buildWebviews();
  let origin: string;
  ({ origin, server } = await startServer());
  browser = await launch();
  hp = await openHosted(browser, `${origin}/dashboard.html`, relay, { width: 1400, height: 1000 });
  await hp.page.waitForSelector('body[data-ready="true"] form[data-kind="train"]');
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('an invalid train form shows errors per field and sends nothing', { skip }, async () => {
  await hp.page.fill('#f-lr', '-1');
  await hp.page.fill('#f-d_sae', '12.5');
  await hp.page.click('form button.primary');
  await hp.page.waitForSelector('[data-field="lr"] .error:not(:empty)');
  assert.match((await hp.page.textContent('[data-field="lr"] .error')) ?? '', /Learning rate must be > 0/);
  assert.match((await hp.page.textContent('[data-field="d_sae"] .error')) ?? '', /whole number/);
  assert.match((await hp.page.textContent('[data-field="model"] .error')) ?? '', /required/);
  assert.equal(started.length, 0);
});

test('a valid form starts a job with typed fields, and its progress events draw the plots', { skip }, async () => {
  await hp.page.fill('#f-lr', '3e-4');
  await hp.page.fill('#f-d_sae', '256');
  await hp.page.fill('#f-model', '/models/stories260K.bin');
  await hp.page.fill('#f-corpus', '/data/tinystories.json');
  await hp.page.fill('#f-out', '/tmp/sae-a');
  await hp.page.fill('#f-steps', '40');
  await hp.page.fill('#f-targetL0', '20');
  await hp.page.click('form button.primary');
  await hp.page.waitForFunction(() => document.querySelector('.status')?.textContent?.includes('job-1'));
  assert.equal(started.length, 1);
  const t = started[0].train!;
  assert.deepEqual([started[0].kind, t.architecture, t.lr, t.d_sae, t.steps, t.batchSize, t.l0Coefficient, t.model, t.out], ['train', 'jumprelu', 3e-4, 256, 40, 4096, 6e-4, '/models/stories260K.bin', '/tmp/sae-a']);

  const spec = started[0];
  await push({ type: 'state', job: job('job-1', spec, 'running') });
  await push({ type: 'state', job: job('job-2', { kind: 'train', train: { ...spec.train, architecture: 'topk', out: '/tmp/sae-b' } }, 'running') });
  for (let s = 1; s <= 20; s++) {
    for (const id of ['job-1', 'job-2']) {
      // The second run learns slower, so the overlaid lines differ.
      const k = id === 'job-1' ? 1 : 0.6;
      const e: TrainProgressEvent = {
        step: s * 2,
        totalSteps: 40,
        tokens: s * 8192,
        'losses/mse_loss': 1 / (k * s),
        'losses/overall_loss': 1.2 / (k * s),
        'metrics/l0': 100 / (k * s),
        'metrics/explained_variance': 1 - 1 / (k * s + 1),
        'sparsity/dead_features': Math.round(s * k),
        'details/current_learning_rate': 3e-4,
        'details/current_l0_coefficient': 1e-3 * Math.min(1, s / 10),
        thresholdQuantiles: id === 'job-1' ? [0.001 * s, 0.002 * s, 0.003 * s] : undefined,
      };
      await push({ type: 'progress', jobId: id, event: e });
    }
  }
  // L0: 20 points x 2 runs, plus each run's dashed target-L0 line (20, set in the form).
  await hp.page.waitForFunction(() => document.querySelector<HTMLElement>('[data-metric="metrics/l0"]')?.dataset.points === '80');
  for (const m of ['losses/mse_loss', 'metrics/explained_variance', 'sparsity/dead_features', 'details/current_learning_rate', 'details/current_l0_coefficient']) {
    assert.equal(await hp.page.getAttribute(`[data-metric="${m}"]`, 'data-points'), '40', `${m}: 20 points x 2 runs`);
  }
  assert.equal(await hp.page.getAttribute('[data-metric="threshold"]', 'data-points'), '60', '3 quantiles x 20 steps');
  assert.equal(await hp.page.textContent('tr[data-job="job-1"] .progress'), '40 / 40');
  assert.equal(await hp.page.getAttribute('tr[data-job="job-1"] button[data-action="cancel"]', 'data-action'), 'cancel');
});

test('a finished threshold sweep puts its points on the frontier; picking one asks to load it', { skip }, async () => {
  await hp.page.click('button[data-form="sweepThreshold"]');
  await hp.page.fill('#f-sae', '/tmp/sae-a');
  await hp.page.fill('#f-model', '/models/stories260K.bin');
  await hp.page.fill('#f-corpus', '/data/tinystories.json');
  await hp.page.fill('#f-scales', '0.5, 1, nope');
  await hp.page.click('form button.primary');
  await hp.page.waitForSelector('[data-field="scales"] .error:not(:empty)');
  assert.equal(started.length, 1, 'bad scale list not sent');
  await hp.page.fill('#f-scales', '0.5, 1, 2');
  await hp.page.click('form button.primary');
  await hp.page.waitForFunction(() => document.querySelector('.status')?.textContent?.includes('job-2'));
  assert.deepEqual(started[1].scales, [0.5, 1, 2]);

  const points = [0.5, 1, 2].map((scale) => ({ scale, out: `/tmp/sae-a/sweep-${scale}`, 'metrics/l0': 40 / scale, 'metrics/fvu': 0.05 * scale, delta_lm_loss: 0.02 * scale }));
  await push({ type: 'state', job: job('job-3', started[1], 'done', { points }) });
  await push({ type: 'state', job: job('job-1', started[0], 'done', { out: '/tmp/sae-a', metrics: { 'metrics/l0': 31, 'metrics/fvu': 0.08 }, delta_lm_loss: 0.04 }) });
  await hp.page.waitForFunction(() => document.querySelector<HTMLElement>('.frontier')?.dataset.points === '4');
  await hp.send({ type: 'currentSae', path: '/tmp/sae-a' });
  await hp.page.waitForFunction(() => document.querySelector<HTMLElement>('.frontier')?.dataset.current === '/tmp/sae-a');

  // Click the point of scale 2 (L0 20) where the chart drew it.
  const box = (await hp.page.$('[data-frontier="deltaLoss"] canvas'))!;
  const r = (await box.boundingBox())!;
  const pixels = JSON.parse((await hp.page.getAttribute('[data-frontier="deltaLoss"]', 'data-pixels')) ?? '[]') as { path: string; l0: number; x: number; y: number }[];
  assert.equal(pixels.length, 4);
  const target = pixels.find((p) => p.l0 === 20)!;
  await hp.page.mouse.click(r.x + target.x, r.y + target.y);
  await hp.page.waitForFunction(() => document.querySelector<HTMLElement>('.frontier')?.dataset.picked === '/tmp/sae-a/sweep-2');
  assert.ok(hp.posted.some((m) => (m as { type: string; path?: string }).type === 'loadSae' && (m as { path: string }).path === '/tmp/sae-a/sweep-2'));

  const dl = hp.page.waitForEvent('download');
  await hp.page.click('button[data-export="CSV"]');
  const csv = await (await dl).createReadStream();
  let text = '';
  for await (const chunk of csv) text += chunk;
  assert.equal(text.trim().split('\n').length, 5, 'header + 4 points');
  assert.match(text, /jumprelu,\/tmp\/sae-a\/sweep-2,job-3,2,20,0.04,0.1/);

  // PNG export: one image per panel, real PNGs.
  const pngs: Buffer[] = [];
  const onDl = async (d: import('playwright-core').Download) => {
    const chunks: Buffer[] = [];
    for await (const c of await d.createReadStream()) chunks.push(c as Buffer);
    pngs.push(Buffer.concat(chunks));
  };
  hp.page.on('download', (d) => void onDl(d));
  await hp.page.click('button[data-export="PNG"]');
  for (let i = 0; i < 100 && pngs.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(pngs.length, 2);
  for (const p of pngs) assert.equal(p.subarray(1, 4).toString('latin1'), 'PNG');

  mkdirSync(SCREENSHOTS, { recursive: true });
  await hp.page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });
  assert.deepEqual(hp.cspViolations, []);
  assert.deepEqual(hp.errors, []);
});
