// The ws API of the real daemon (`jumplens daemon --ws`): no token, no connection; with the token,
// malformed messages get an error reply, analysis works, and job events are pushed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import WebSocket from 'ws';
import { startWsDaemon, writeRandomSae } from '../helpers/daemon-client';
import { REPO_ROOT, sharedFile, tempDir } from '../helpers/paths';
import type { JobInfo, TokenFeatures, WsPush, WsReply } from '../../protocol';

const tmp = tempDir('jumplens-daemon-ws-');
let proc: ChildProcess;
let url = '';
let token = '';
let sae = '';

before(async () => {
  sae = await writeRandomSae(path.join(tmp.dir, 'sae'));
  const d = await startWsDaemon(
    ['--sae', sae, '--runs', path.join(tmp.dir, 'runs'), '--allow', path.dirname(sharedFile('data', 'tinystories-train-first1000.json'))],
    REPO_ROOT,
  );
  ({ proc, url, token } = d);
  assert.equal(d.stdout(), '', 'nothing on stdout');
  assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/$/, 'binds loopback by default');
});
after(() => {
  proc?.kill('SIGTERM');
  tmp.cleanup();
});

function connect(u: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(u, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Messages in arrival order, and a way to wait for one. */
function inbox(ws: WebSocket) {
  const msgs: any[] = [];
  const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    msgs.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].pred(m)) waiters.splice(i, 1)[0].resolve(m);
  });
  return {
    msgs,
    next(pred: (m: any) => boolean, ms = 120_000): Promise<any> {
      const hit = msgs.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a ws message')), ms);
        waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
  };
}

test('connections without the right token are refused with 401', async () => {
  await assert.rejects(connect(url), /HTTP 401/);
  await assert.rejects(connect(`${url}?token=${'0'.repeat(64)}`), /HTTP 401/);
  await assert.rejects(connect(url, { authorization: 'Bearer nope' }), /HTTP 401/);
  const ws = await connect(url, { authorization: `Bearer ${token}` });
  ws.close();
});

test('malformed messages get an error reply and change nothing; analyze and status work', async () => {
  const ws = await connect(`${url}?token=${token}`);
  const box = inbox(ws);
  const ask = (m: unknown) => (ws.send(typeof m === 'string' ? m : JSON.stringify(m)), null);
  ask({ id: 1, op: 'listJobs' });
  const before = (await box.next((m) => m.id === 1)) as WsReply & { result: JobInfo[] };
  ask('{not json');
  const e1 = await box.next((m) => m.ok === false && m.id === null);
  assert.match(e1.error, /not valid JSON/);
  ask({ id: 2, op: 'startJob', spec: { kind: 'mine bitcoin' } });
  assert.match((await box.next((m) => m.id === 2)).error, /unknown job kind/);
  ask({ id: 7, op: 'startJob', spec: { kind: 'featureStore', sae, tokens: 'lots' } });
  assert.match((await box.next((m) => m.id === 7)).error, /"tokens" must be a positive integer/);
  ask({ id: 8, op: 'startJob', spec: { kind: 'train' } });
  assert.match((await box.next((m) => m.id === 8)).error, /needs "train"/);
  ask({ id: 3, op: 'explode' });
  assert.match((await box.next((m) => m.id === 3)).error, /unknown op/);
  ask({ id: 4, op: 'listJobs' });
  const afterList = await box.next((m) => m.id === 4);
  assert.deepEqual(afterList.result, before.result, 'no job was created by malformed messages');

  ask({ id: 5, op: 'analyze', text: 'Tom had a red ball.', topK: 3 });
  const a = await box.next((m) => m.id === 5);
  assert.equal(a.ok, true, a.error);
  const toks = a.result as TokenFeatures[];
  assert.ok(toks.length >= 5);
  assert.ok(toks.every((t) => t.top.length <= 3));
  ask({ id: 6, op: 'status' });
  const s = await box.next((m) => m.id === 6);
  assert.equal(s.result.sae.dSae, 256);
  assert.equal(s.result.model.name, 'stories260K');
  ws.close();
});

test('job events are pushed to authenticated clients', async () => {
  const ws = await connect(`${url}?token=${token}`);
  const box = inbox(ws);
  ws.send(
    JSON.stringify({
      id: 10,
      op: 'startJob',
      spec: { kind: 'featureStore', sae, corpus: sharedFile('data', 'tinystories-train-first1000.json'), tokens: 2000 },
    }),
  );
  const started = await box.next((m) => m.id === 10);
  assert.equal(started.ok, true, started.error);
  const jobId = (started.result as JobInfo).id;
  await box.next((m: WsPush) => m.push === 'jobEvent' && m.event.type === 'progress' && m.event.jobId === jobId);
  const end = (await box.next(
    (m: WsPush) =>
      m.push === 'jobEvent' && m.event.type === 'state' && m.event.job.id === jobId && m.event.job.state !== 'queued' && m.event.job.state !== 'running',
  )) as WsPush;
  assert.equal(end.event.type === 'state' && end.event.job.state, 'done');
  ws.close();
});
