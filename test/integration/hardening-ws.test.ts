// The real ws daemon against hostile clients: malformed raw frames of each kind, a bad Origin or
// Host, paths outside the allowed folders, a huge analyze. After each attack the daemon still answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { startWsDaemon, writeRandomSae, type WsDaemon } from '../helpers/daemon-client';
import { tempDir } from '../helpers/paths';

const tmp = tempDir('jumplens-hardening-ws-');
const outside = tempDir('jumplens-outside-');
let proc: ChildProcess;
let url = '';
let token = '';
let port = 0;
let sae = '';

let daemon: WsDaemon;

before(async () => {
  sae = await writeRandomSae(path.join(tmp.dir, 'sae'));
  daemon = await startWsDaemon(['--sae', sae, '--runs', path.join(tmp.dir, 'runs')], tmp.dir);
  ({ proc, url, token } = daemon);
  port = Number(new URL(url).port);
});
after(() => {
  proc?.kill('SIGTERM');
  tmp.cleanup();
  outside.cleanup();
});

function connect(headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?token=${token}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Sends one request on a fresh connection and returns the reply. */
async function ask(msg: Record<string, unknown>, ms = 60_000): Promise<any> {
  const ws = await connect();
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply')), ms);
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.id === msg.id) clearTimeout(t), resolve(m);
      });
      ws.send(JSON.stringify(msg));
    });
  } finally {
    ws.close();
  }
}

async function assertAlive(): Promise<void> {
  assert.equal(proc.exitCode, null, `daemon exited; stderr:\n${daemon.stderr().slice(-2000)}`);
  const r = await ask({ id: 99, op: 'status' });
  assert.equal(r.ok, true, r.error);
}

/** A client frame: FIN + opcode (plus `rsv`), masked unless `unmasked`, with a 7/16/64-bit length. */
function frame(opcode: number, payload: Buffer, o: { rsv?: number; unmasked?: boolean; fin?: boolean } = {}): Buffer {
  const b0 = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode;
  const mask = o.unmasked ? 0 : 0x80;
  const n = payload.length;
  const len =
    n < 126
      ? Buffer.from([b0, mask | n])
      : n < 65536
        ? Buffer.from([b0, mask | 126, n >> 8, n & 255])
        : Buffer.concat([
            Buffer.from([b0, mask | 127]),
            (() => {
              const x = Buffer.alloc(8);
              x.writeBigUInt64BE(BigInt(n));
              return x;
            })(),
          ]);
  if (o.unmasked) return Buffer.concat([len, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((c, i) => c ^ key[i % 4]));
  return Buffer.concat([len, key, masked]);
}

/** Opens a raw TCP connection, completes the upgrade, writes `bytes`, and waits for the server to close it. */
function rawAttack(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let upgraded = false;
    const t = setTimeout(() => (s.destroy(), resolve()), 5000);
    s.on('error', () => undefined);
    s.on('close', () => (clearTimeout(t), resolve()));
    s.on('data', (d) => {
      if (!upgraded && d.toString().startsWith('HTTP/1.1 101')) {
        upgraded = true;
        s.write(bytes);
      } else if (!upgraded) reject(new Error(`upgrade refused: ${d.toString().split('\r\n')[0]}`));
    });
    s.write(
      `GET /?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

test('malformed and oversized frames close that connection, never the daemon', async () => {
  const closeWith = (code: number) => Buffer.concat([Buffer.from([code >> 8, code & 255])]);
  const kinds: [string, Buffer][] = [
    ['5 MB text frame (over maxPayload)', frame(1, Buffer.alloc(5 * 1024 * 1024, 0x61))],
    ['unmasked frame', frame(1, Buffer.from('{"id":1,"op":"status"}'), { unmasked: true })],
    ['RSV bits set', frame(1, Buffer.from('hi'), { rsv: 0b111 })],
    ['reserved opcode', frame(0x3, Buffer.from('hi'))],
    ['invalid UTF-8 text', frame(1, Buffer.from([0xc3, 0x28, 0xff]))],
    ['bad close code', frame(8, closeWith(999))],
    ['fragmented control frame', frame(9, Buffer.from('ping'), { fin: false })],
    ['continuation with no start', frame(0, Buffer.from('x'))],
  ];
  for (const [name, bytes] of kinds) {
    await rawAttack(bytes);
    assert.equal(proc.exitCode, null, `${name} killed the daemon:\n${daemon.stderr().slice(-2000)}`);
  }
  // Handled by the socket's own error handler, not caught as a stray process-level error.
  assert.doesNotMatch(daemon.stderr(), /uncaught error/, daemon.stderr().slice(-2000));
  assert.match(daemon.stderr(), /ws client dropped/);
  await assertAlive();
});

test('an upgrade with a foreign Origin or a non-loopback Host is refused', async () => {
  await assert.rejects(connect({ Origin: 'https://evil.example' }), /HTTP 403/);
  await assert.rejects(connect({ Host: 'evil.example' }), /HTTP 403/);
  await assert.rejects(connect({ Origin: 'http://127.0.0.1.evil.example:8080' }), /HTTP 403/, 'a look-alike of loopback is foreign');
  const ok = await connect({ Origin: 'vscode-webview://abc123' });
  ok.close();
  // VS Code in a browser (code-server) serves webviews from its own loopback origin.
  const cs = await connect({ Origin: 'http://127.0.0.1:8080' });
  cs.close();
  await assertAlive();
});

test('ws ops cannot read or write outside the allowed folders', async () => {
  const secret = path.join(outside.dir, 'secret.json');
  writeFileSync(secret, 'TOPSECRET not json');
  const r1 = await ask({ id: 1, op: 'importLabels', file: secret });
  assert.equal(r1.ok, false);
  assert.match(r1.error, /outside the folders/);
  assert.doesNotMatch(r1.error, /TOPSECRET/, 'no file contents in errors');
  const r1b = await ask({ id: 11, op: 'importLabels', file: '/etc/passwd' });
  assert.match(r1b.error, /outside the folders/);
  // A symlink inside the workspace that leads outside is judged by its target.
  const { symlinkSync } = await import('node:fs');
  symlinkSync(secret, path.join(tmp.dir, 'link.json'));
  const r1c = await ask({ id: 12, op: 'importLabels', file: path.join(tmp.dir, 'link.json') });
  assert.match(r1c.error, /outside the folders/);

  const specs: [string, Record<string, unknown>][] = [
    ['corpus', { kind: 'featureStore', sae, corpus: '/etc/passwd', tokens: 100 }],
    ['sae', { kind: 'eval', sae: outside.dir, corpus: path.join(tmp.dir, 'x.txt') }],
    ['model', { kind: 'eval', sae, model: path.join(outside.dir, 'm.bin'), corpus: path.join(tmp.dir, 'x.txt') }],
    ['train.out', { kind: 'train', train: { out: path.join(outside.dir, 'new-sae'), corpus: path.join(tmp.dir, 'x.txt') } }],
    ['train.corpus', { kind: 'train', train: { out: path.join(tmp.dir, 'new-sae'), corpus: '/proc/self/environ' } }],
    ['train.out via ..', { kind: 'train', train: { out: path.join(tmp.dir, '..', path.basename(outside.dir), 'x') } }],
  ];
  let id = 20;
  for (const [what, spec] of specs) {
    const r = await ask({ id: ++id, op: 'startJob', spec });
    assert.equal(r.ok, false, `${what} outside was accepted`);
    assert.match(r.error, /outside the folders/, what);
  }
  // Inside the workspace, an existing SAE folder the job did not create is not overwritten.
  mkdirSync(path.join(tmp.dir, 'data'), { recursive: true });
  const r2 = await ask({ id: 40, op: 'startJob', spec: { kind: 'train', train: { out: sae, corpus: path.join(tmp.dir, 'x.txt') } } });
  assert.equal(r2.ok, false);
  assert.match(r2.error, /already holds an SAE/);
  const jobs = await ask({ id: 41, op: 'listJobs' });
  assert.deepEqual(jobs.result, [], 'no job was created');
  await assertAlive();
});

test('a 100K-character analyze does not hold up a concurrent status request; an over-limit text is refused', async () => {
  const text = 'Tom had a red ball. He liked to play with it in the park. '.repeat(1800).slice(0, 100_000);
  const ws = await connect();
  const replies = new Map<number, { at: number; m: any }>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    replies.set(m.id, { at: performance.now(), m });
  });
  const t0 = performance.now();
  ws.send(JSON.stringify({ id: 1, op: 'analyze', text, topK: 2 }));
  // Give the analysis time to start before asking for status.
  await new Promise((r) => setTimeout(r, 50));
  const sentStatus = performance.now();
  ws.send(JSON.stringify({ id: 2, op: 'status' }));
  const deadline = t0 + 120_000;
  while (!(replies.has(1) && replies.has(2)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  ws.close();
  assert.equal(replies.get(1)?.m.ok, true, replies.get(1)?.m.error);
  assert.equal(replies.get(2)?.m.ok, true);
  // Generous ceiling: the status reply waits at most one analysis chunk, not the whole text.
  assert.ok(replies.get(2)!.at - sentStatus < 2000, `status waited ${Math.round(replies.get(2)!.at - sentStatus)} ms behind the analyze`);

  const big = await ask({ id: 3, op: 'analyze', text: 'a'.repeat(300_000) });
  assert.equal(big.ok, false);
  assert.match(big.error, /over 200000 characters/);
  await assertAlive();
});
