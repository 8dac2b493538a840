// The feature browser over the daemon's real ws API (token in the URL hash, as the extension hands
// it over), on a store built from real text. Skips, saying why, while the ws server is not in the
// tree or does not serve the feature-browser ops yet (the lead wires feature-ops.ts into it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { FeatureStore } from '../../server/src/engine/features/feature-store';
import { listFeatures, type FeatureOpsContext } from '../../server/src/api/feature-ops';
import { buildRealTextStore } from '../helpers/real-feature-store';
import { REPO_ROOT, tempDir } from '../helpers/paths';
import { buildWebviews, launch, skipReason, startServer } from './webview-harness';

const WS_SERVER = path.join(REPO_ROOT, 'server', 'src', 'api', 'ws-server.ts');
const JOB_QUEUE = path.join(REPO_ROOT, 'server', 'src', 'jobs', 'job-queue.ts');
const skip =
  skipReason() ?? (existsSync(WS_SERVER) && existsSync(JOB_QUEUE) ? undefined : 'the daemon ws server (server/src/api/ws-server.ts) is not in this tree yet');

type Handle = { url: string; token: string; close(): Promise<void> };
let browser: Browser;
let server: Server;
let origin: string;
let ws: Handle;
let tmp: ReturnType<typeof tempDir>;
let ctx: FeatureOpsContext;

before(async () => {
  if (skip) return;
  tmp = tempDir();
  const { tokenizer } = await buildRealTextStore(tmp.dir, { dSae: 128, tokens: 4096 });
  ctx = { store: FeatureStore.open(tmp.dir), tokenizer };
  const { startWsServer } = (await import(WS_SERVER)) as { startWsServer: (api: unknown, o?: object) => Promise<Handle> };
  const { JobQueue } = (await import(JOB_QUEUE)) as { JobQueue: new (dir: string) => unknown };
  ws = await startWsServer({ status: () => ({}), analyze: async () => [], jobs: new JobQueue(path.join(tmp.dir, 'runs')), features: () => ctx });
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

test('the feature browser lists and searches a real store through the token-authenticated ws API', { skip }, async (t) => {
  // No host shim: the only way to the data is the socket.
  const page = await browser.newPage();
  const csp: string[] = [];
  page.on('console', (m) => /Content Security Policy/i.test(m.text()) && csp.push(m.text()));
  await page.goto(`${origin}/features.html#ws=${encodeURIComponent(ws.url)}&token=${ws.token}`);
  await page.waitForSelector('body[data-daemon="ws"]');
  await page.waitForFunction(() => document.querySelector('.vlist .row') || document.querySelector('.status')?.textContent);
  const status = (await page.textContent('.status')) ?? '';
  if (/unknown op/.test(status)) {
    t.skip('the ws server does not serve feature-browser ops yet');
    return;
  }
  const expected = listFeatures(ctx, { id: 0, op: 'listFeatures' });
  assert.equal(Number(await page.getAttribute('.list', 'data-total')), expected.total);
  const first = expected.ids[0];
  await page.fill('.search', `#${first}`);
  await page.press('.search', 'Enter');
  await page.waitForFunction(() => document.querySelector<HTMLElement>('.list')?.dataset.total === '1');
  await page.click(`.vlist .row[data-id="${first}"]`);
  await page.waitForSelector(`.card[data-feature="${first}"] .context`);
  assert.deepEqual(csp, []);
  await page.close();
});
