// The dashboard against the real daemon ws server and job queue (no relay, no fake replies): its
// forms start from the daemon's loaded model and SAE (`status`), a bad form shows an error at each
// bad field and starts nothing, a small training job draws the live plots from its progress events
// and ends with its outcome in the jobs list and a point on the frontier, picking that point asks the
// extension to load its SAE, and when the daemon comes back on a new port and token the page
// reconnects to the endpoint it is handed. Under the user's points the frontier draws a reference
// sweep (the daemon's `frontierResults`): the bundled one, or a frontier.json loaded by path, one
// site at a time, with the comparison table at common L0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { REPO_ROOT, sharedFile, tempDir } from '../helpers/paths';
import { buildWebviews, launch, openHosted, SCREENSHOTS, skipReason, startServer } from './webview-harness';

const WS_SERVER = path.join(REPO_ROOT, 'server', 'src', 'api', 'ws-server.ts');
const JOB_QUEUE = path.join(REPO_ROOT, 'server', 'src', 'jobs', 'job-queue.ts');
const skip = skipReason() ?? (existsSync(WS_SERVER) && existsSync(JOB_QUEUE) ? undefined : 'the daemon ws server is not in this tree');

type Handle = { url: string; token: string; close(): Promise<void> };
type Queue = {
  list(): { id: string; state: string; error?: string }[];
  get(id: string): { state: string; error?: string } | undefined;
  dispose(): Promise<void>;
};
type StartWs = (api: unknown, o?: object) => Promise<Handle>;
let browser: Browser;
let server: Server;
let origin: string;
let startWsServer: StartWs;
let ws: Handle;
let queue: Queue;
let api: object;
let tmp: ReturnType<typeof tempDir>;
const SAE = path.join(REPO_ROOT, 'assets', 'default-sae');
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'frontier');
/** Stands in for the bundled reference: a real (tiny) sweep's frontier.json, one run per architecture. */
const BUNDLED = path.join(FIXTURES, 'probe-frontier.json');
type Row = { hook: string; architecture: string; 'metrics/l0': number };
const rowsOf = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { rows: Row[] }).rows;

before(async () => {
  if (skip) return;
  tmp = tempDir();
  // Paths in variables: the daemon's modules are loaded at run time, as the daemon loads them.
  ({ startWsServer } = (await import(WS_SERVER)) as { startWsServer: StartWs });
  const { JobQueue } = (await import(JOB_QUEUE)) as { JobQueue: new (dir: string) => Queue };
  queue = new JobQueue(path.join(tmp.dir, 'runs'));
  const hook = (JSON.parse(readFileSync(path.join(SAE, 'cfg.json'), 'utf8')) as { metadata: { hook_name: string } }).metadata.hook_name;
  const status = {
    backend: { kind: 'wasm', label: 'wasm', detail: '' },
    model: { path: sharedFile('models', 'stories260K.bin'), name: 'stories260K', dModel: 64, nLayers: 5 },
    sae: { path: SAE, architecture: 'jumprelu', dSae: 1024, hook },
    memory: { numTensors: 0, numBytes: 0 },
  };
  api = { status: () => status, analyze: async () => [], jobs: queue, bundledFrontier: () => BUNDLED };
  ws = await startWsServer(api);
  buildWebviews();
  ({ origin, server } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  await ws?.close();
  await queue?.dispose();
  tmp?.cleanup();
});

test('prefilled forms, per-field errors, live plots from a real job, its outcome, picking its frontier point, and reconnecting to a restarted daemon', {
  skip,
}, async () => {
  // Started as the extension starts it: the endpoint comes in a message after the page's 'ready'.
  const hp = await openHosted(browser, `${origin}/dashboard.html`, (m) =>
    (m as { type?: string }).type === 'ready' ? { type: 'endpoint', url: ws.url, token: ws.token } : null,
  );
  const page = hp.page;
  await page.waitForSelector('body[data-daemon="ws"]');

  // The train form starts from the daemon's loaded model and its SAE's hook.
  await page.waitForFunction((m) => (document.querySelector('#f-model') as HTMLInputElement | null)?.value === m, sharedFile('models', 'stories260K.bin'), {
    timeout: 10_000,
  });
  assert.equal(await page.inputValue('#f-hook'), 'blocks.2.hook_resid_post');

  // The bundled reference frontier is drawn under the (still empty) job points: its sites, one
  // point per run of the first site in each panel, the comparison table at L0 5/10/20/40.
  const frontierBox = page.locator('.frontier');
  await page.waitForSelector('.frontier[data-reference-sites]', { timeout: 10_000 });
  const bundledRows = rowsOf(BUNDLED);
  const bundledSites = [...new Set(bundledRows.map((r) => r.hook))];
  assert.deepEqual(JSON.parse((await frontierBox.getAttribute('data-reference-sites')) ?? ''), bundledSites);
  assert.equal(await frontierBox.getAttribute('data-reference-bundled'), 'true');
  const firstSite = bundledRows.filter((r) => r.hook === bundledSites[0] && r['metrics/l0'] > 0).length;
  assert.equal(Number(await frontierBox.getAttribute('data-reference-points')), firstSite);
  for (const y of ['deltaLoss', 'fvu']) assert.equal(Number(await page.getAttribute(`[data-frontier="${y}"]`, 'data-reference-points')), firstSite, y);
  assert.equal(await page.textContent('.reference-label'), 'reference: stories260K sweep (docs/results/frontier)');
  assert.deepEqual(await page.locator('.frontier-compare tr[data-l0]').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-l0'))), [
    '5',
    '10',
    '20',
    '40',
  ]);

  // Another sweep by path: a missing file is named and leaves the reference drawn; a real one (the
  // 2026-11 blocks.2 sweep, plus its TopK runs under a second hook so there are two sites) replaces it.
  const missing = path.join(tmp.dir, 'nothing', 'frontier.json');
  await page.fill('.reference input', missing);
  await page.click('button[data-action="load-frontier"]');
  await page.waitForSelector('.reference-message.error', { timeout: 10_000 });
  const said = (await page.textContent('.reference-message')) ?? '';
  assert.ok(said.includes(`${missing}: no such file`), said);
  assert.equal(await frontierBox.getAttribute('data-reference-bundled'), 'true');
  const history = rowsOf(path.join(FIXTURES, 'history-2026-11-frontier.json'));
  const second = 'blocks.0.hook_resid_post';
  const loaded = path.join(tmp.dir, 'frontier.json');
  const topk = history.filter((r) => r.architecture === 'topk');
  writeFileSync(loaded, JSON.stringify({ config: {}, rows: [...history, ...topk.map((r) => ({ ...r, hook: second }))] }));
  await page.fill('.reference input', loaded);
  await page.click('button[data-action="load-frontier"]');
  await page.waitForFunction((f) => document.querySelector('.frontier')?.getAttribute('data-reference-source') === f, loaded, { timeout: 10_000 });
  assert.equal(await page.textContent('.reference-label'), `sweep results: ${loaded}`);
  assert.equal(await page.textContent('.reference-message'), '');
  assert.deepEqual(JSON.parse((await frontierBox.getAttribute('data-reference-sites')) ?? ''), [history[0].hook, second]);
  assert.equal(Number(await frontierBox.getAttribute('data-reference-points')), history.length);
  await page.selectOption('select[data-frontier-site]', second);
  await page.waitForFunction((h) => document.querySelector('.frontier-compare table')?.getAttribute('data-site') === h, second);
  assert.equal(Number(await frontierBox.getAttribute('data-reference-points')), topk.length);
  await page.selectOption('select[data-frontier-site]', history[0].hook);
  assert.equal(Number(await frontierBox.getAttribute('data-reference-points')), history.length);

  // Bad values: an error at each bad field, nothing reaches the queue.
  await page.fill('#f-lr', '0');
  await page.fill('#f-steps', 'ten');
  await page.fill('#f-batchSize', '1e9');
  await page.click('form button.primary');
  const err = (f: string) => page.textContent(`label[data-field="${f}"] .error`);
  assert.match((await err('lr')) ?? '', /Learning rate must be > 0/);
  assert.match((await err('steps')) ?? '', /Steps must be a number/);
  assert.match((await err('batchSize')) ?? '', /≤ 65536/);
  assert.equal(await err('d_sae'), '', 'a good field has no error');
  assert.equal(await page.getAttribute('#f-lr', 'aria-invalid'), 'true');
  assert.match((await page.textContent('.status')) ?? '', /^Not started:/);
  assert.equal(queue.list().length, 0, 'an invalid form starts nothing');

  // A small real training run (the corpus given; the output left to the job's run folder).
  await page.fill('#f-lr', '0.003');
  await page.fill('#f-steps', '20');
  await page.fill('#f-batchSize', '64');
  await page.fill('#f-d_sae', '64');
  await page.fill('#f-corpus', sharedFile('data', 'tinystories-train-first1000.json'));
  await page.click('form button.primary');
  await page.waitForFunction(() => /Started train \S+/.test(document.querySelector('.status')?.textContent ?? ''), undefined, { timeout: 10_000 });
  const id = queue.list()[0].id;
  await page.waitForSelector(`tr[data-job="${id}"][data-state="done"], tr[data-job="${id}"][data-state="failed"]`, { timeout: 240_000 });
  assert.equal(queue.get(id)?.state, 'done', `training failed: ${queue.get(id)?.error}`);
  for (const metric of ['metrics/l0', 'losses/mse_loss', 'metrics/explained_variance']) {
    const points = Number(await page.getAttribute(`[data-metric="${metric}"]`, 'data-points'));
    assert.ok(points > 0, `no ${metric} curve from the job's progress events`);
  }
  // Its outcome is in the list, and it is not offered Resume (it is done).
  assert.match((await page.textContent(`tr[data-result-of="${id}"]`)) ?? '', /Training finished after 20 steps: L0 [\d.e+]+ · FVU [-\d.e+]+/);
  assert.equal(await page.locator(`tr[data-job="${id}"] button[data-action="resume"]`).count(), 0);

  // Its frontier point (L0 vs FVU), picked where the chart drew it, asks the extension to load its SAE.
  await page.waitForFunction(() => Number(document.querySelector('.frontier')?.getAttribute('data-points')) >= 1, undefined, { timeout: 10_000 });
  const box = page.locator('[data-frontier="fvu"]');
  // The frontier sits below the plots: scroll it into the viewport, where the mouse can reach it.
  await box.locator('canvas').scrollIntoViewIfNeeded();
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
  const at = JSON.parse((await box.getAttribute('data-pixels')) ?? '[]') as { path: string; x: number; y: number }[];
  assert.equal(at.length, 1, `frontier pixels: ${JSON.stringify(at)}`);
  const canvas = (await box.locator('canvas').boundingBox())!;
  await page.mouse.click(canvas.x + at[0].x, canvas.y + at[0].y);
  await page.waitForFunction((p) => document.querySelector('.frontier')?.getAttribute('data-picked') === p, at[0].path, { timeout: 5_000 });
  assert.ok(
    hp.posted.some((m) => JSON.stringify(m) === JSON.stringify({ type: 'loadSae', path: at[0].path })),
    `posted: ${JSON.stringify(hp.posted)}`,
  );
  assert.match(at[0].path, new RegExp(`${id}[/\\\\]sae$`), 'the point is the SAE the job wrote to its run folder');
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-e2e.png'), fullPage: true });
  await page.locator('.frontier-box').screenshot({ path: path.join(SCREENSHOTS, 'dashboard-frontier.png') });

  // The daemon restarts on a new port and token: the page drops to "closed", keeps asking the
  // extension for the endpoint with backoff, and reconnects when handed the new one.
  const readyBefore = hp.posted.filter((m) => (m as { type?: string }).type === 'ready').length;
  await ws.close();
  await page.waitForSelector('body[data-daemon="closed"]', { timeout: 10_000 });
  await page.waitForFunction(() => Number(document.body.dataset.reconnectMs) > 0, undefined, { timeout: 5_000 });
  ws = await startWsServer(api);
  // The host shim answers each 'ready' with the current (new) endpoint, as the extension does.
  await page.waitForSelector('body[data-daemon="ws"]', { timeout: 15_000 });
  assert.ok(hp.posted.filter((m) => (m as { type?: string }).type === 'ready').length > readyBefore, 'the page asked for the endpoint again');
  // Reconnected, the page reloads its data from the new daemon.
  await page.waitForSelector(`tr[data-job="${id}"][data-state="done"]`);
  const listed = await page.evaluate(() => new Promise((r) => setTimeout(() => r(document.querySelectorAll('tr[data-job]').length), 200)));
  assert.equal(listed, 1);
  assert.deepEqual(hp.cspViolations, []);
  assert.deepEqual(
    hp.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|401/.test(e)),
    [],
  );
});
