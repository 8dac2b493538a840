// The dashboard against the real daemon's ws API (token-authenticated) and job queue: a training job
// started from the form runs in the queue's worker and its progress events draw the plots; a
// threshold sweep of the shipped SAE started from the form puts its points on the frontier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { REPO_ROOT, sharedFile, tempDir } from '../helpers/paths';
import { buildWebviews, launch, openHosted, SCREENSHOTS, skipReason, startServer } from './webview-harness';

const WS_SERVER = path.join(REPO_ROOT, 'server', 'src', 'api', 'ws-server.ts');
const JOB_QUEUE = path.join(REPO_ROOT, 'server', 'src', 'jobs', 'job-queue.ts');
const skip =
  skipReason() ?? (existsSync(WS_SERVER) && existsSync(JOB_QUEUE) ? undefined : 'the daemon ws server (server/src/api/ws-server.ts) is not in this tree yet');

type Handle = { url: string; token: string; close(): Promise<void> };
type Queue = { list(): { id: string; state: string }[]; get(id: string): { state: string; error?: string } | undefined };
let browser: Browser;
let server: Server;
let origin: string;
let ws: Handle;
let queue: Queue;
let tmp: ReturnType<typeof tempDir>;

before(async () => {
  if (skip) return;
  tmp = tempDir();
  // Paths in variables: these modules come from the daemon branch, and this file must typecheck without them.
  const { startWsServer } = (await import(WS_SERVER)) as { startWsServer: (api: unknown, o?: object) => Promise<Handle> };
  const { JobQueue } = (await import(JOB_QUEUE)) as { JobQueue: new (dir: string) => Queue };
  queue = new JobQueue(path.join(tmp.dir, 'runs'));
  ws = await startWsServer({
    status: () => ({ backend: { kind: 'wasm', label: 'wasm', detail: '' }, memory: { numTensors: 0, numBytes: 0 } }),
    analyze: async () => [],
    jobs: queue,
  });
  buildWebviews();
  ({ origin, server } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  await ws?.close();
  tmp?.cleanup();
});

test('a wrong token is refused; with the right one, a job started from the form reaches the real queue and the list follows it', { skip }, async () => {
  const bad = await openHosted(browser, `${origin}/dashboard.html#ws=${encodeURIComponent(ws.url)}&token=wrong`, () => null);
  await bad.page.waitForSelector('body[data-daemon="closed"]');
  await bad.page.close();

  const hp = await openHosted(browser, `${origin}/dashboard.html#ws=${encodeURIComponent(ws.url)}&token=${ws.token}`, () => null);
  await hp.page.waitForSelector('body[data-daemon="ws"]');
  await hp.page.fill('#f-model', sharedFile('models', 'stories260K.bin'));
  await hp.page.fill('#f-corpus', sharedFile('data', 'tinystories-train-first1000.json'));
  await hp.page.fill('#f-out', path.join(tmp.dir, 'sae'));
  await hp.page.fill('#f-d_sae', '128');
  await hp.page.fill('#f-steps', '30');
  await hp.page.fill('#f-batchSize', '256');
  await hp.page.click('form button.primary');
  await hp.page.waitForFunction(() => /Started train \S+/.test(document.querySelector('.status')?.textContent ?? ''), undefined, { timeout: 10_000 });
  const jobs = queue.list();
  assert.equal(jobs.length, 1, 'the real queue has the job');
  const id = jobs[0].id;
  await hp.page.waitForSelector(`tr[data-job="${id}"]`);
  // Follow the pushed events to the job's end: the real trainer runs in the queue's worker.
  await hp.page.waitForSelector(`tr[data-job="${id}"][data-state="done"], tr[data-job="${id}"][data-state="failed"]`, { timeout: 300_000 });
  const state = await hp.page.getAttribute(`tr[data-job="${id}"]`, 'data-state');
  assert.equal(state, queue.get(id)?.state, "the page shows the queue's state");
  assert.equal(state, 'done', `training job failed: ${queue.get(id)?.error}`);
  for (const metric of ['metrics/l0', 'losses/mse_loss', 'metrics/explained_variance']) {
    const points = Number(await hp.page.getAttribute(`[data-metric="${metric}"]`, 'data-points'));
    assert.ok(points > 0, `the training run drew its ${metric} curve from the daemon's progress events`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  await hp.page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-daemon.png'), fullPage: true });

  // A threshold sweep of the shipped JumpReLU SAE, from the form, through the real evaluator.
  await hp.page.click('button[data-form="sweepThreshold"]');
  await hp.page.fill('#f-sae', path.join(REPO_ROOT, 'assets', 'default-sae'));
  await hp.page.fill('#f-model', sharedFile('models', 'stories260K.bin'));
  await hp.page.fill('#f-corpus', sharedFile('data', 'tinystoriesv2-gpt4-first8k-lines.txt'));
  await hp.page.fill('#f-scales', '0.5, 1, 2');
  await hp.page.fill('#f-tokens', '2048');
  await hp.page.click('form button.primary');
  await hp.page.waitForFunction(() => /Started sweepThreshold \S+/.test(document.querySelector('.status')?.textContent ?? ''), undefined, { timeout: 10_000 });
  const sweep = queue.list().find((j) => j.id !== id)!;
  await hp.page.waitForSelector(`tr[data-job="${sweep.id}"][data-state="done"], tr[data-job="${sweep.id}"][data-state="failed"]`, { timeout: 300_000 });
  assert.equal(queue.get(sweep.id)?.state, 'done', `sweep failed: ${queue.get(sweep.id)?.error}`);
  await hp.page.waitForFunction(() => Number(document.querySelector('.frontier')?.getAttribute('data-points')) >= 3, undefined, { timeout: 10_000 });
  await hp.page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-daemon-sweep.png'), fullPage: true });
  assert.deepEqual(hp.cspViolations, []);
});
