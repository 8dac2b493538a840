// The real LSP daemon over stdio against garbage: invalid JSON is answered with a parse error and
// the daemon keeps answering; exit codes follow the spec; stdin EOF ends the daemon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO_ROOT, tempDir } from '../helpers/paths';

function start(): { proc: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'jumplens'), 'daemon', '--stdio'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (c) => resolve(c)));
  return { proc, out: () => out, err: () => err, exited };
}

const framed = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const send = (p: ChildProcess, m: object) => p.stdin!.write(framed(JSON.stringify({ jsonrpc: '2.0', ...m })));

async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tmp = tempDir('jumplens-hardening-lsp-');
const init = (id: number) => ({
  id,
  method: 'initialize',
  params: { processId: null, rootUri: `file://${tmp.dir}`, capabilities: {}, initializationOptions: { runsDir: path.join(tmp.dir, 'runs') } },
});

test('invalid JSON is answered with -32700 and the daemon still answers; shutdown then exit is code 0', async () => {
  const d = start();
  send(d.proc, init(1));
  await until(() => /"id":1/.test(d.out()), 'initialize reply');
  d.proc.stdin!.write(framed('{"jsonrpc":"2.0","id":2,"method":'));
  await until(() => /-32700/.test(d.out()), 'parse error reply', 10_000).catch(() => undefined);
  send(d.proc, { id: 3, method: 'jumplens/status' });
  await until(() => /"id":3/.test(d.out()), 'status after garbage');
  assert.match(d.out(), /-32700/, 'parse error answered');
  send(d.proc, { id: 4, method: 'shutdown' });
  await until(() => /"id":4/.test(d.out()), 'shutdown reply');
  send(d.proc, { method: 'exit' });
  assert.equal(await d.exited, 0);
});

test('exit without shutdown is code 1; stdin EOF ends the daemon', async () => {
  const a = start();
  send(a.proc, init(1));
  await until(() => /"id":1/.test(a.out()), 'initialize reply');
  send(a.proc, { method: 'exit' });
  assert.equal(await a.exited, 1);

  const b = start();
  send(b.proc, init(1));
  await until(() => /"id":1/.test(b.out()), 'initialize reply');
  b.proc.stdin!.end();
  const code = await Promise.race([b.exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
  if (code === 'still running') b.proc.kill('SIGKILL');
  assert.equal(code, 1, 'the daemon must not linger after its editor closed stdin');
});

test('a bad Content-Length or a garbage header closes the stream with a log line instead of hanging', async () => {
  for (const garbage of ['Content-Length: banana\r\n\r\n{}', `X-Garbage: ${'x'.repeat(100_000)}\r\n\r\n`]) {
    const d = start();
    send(d.proc, init(1));
    await until(() => /"id":1/.test(d.out()), 'initialize reply');
    d.proc.stdin!.write(garbage);
    const code = await Promise.race([d.exited, new Promise((r) => setTimeout(() => r('hung'), 15_000))]);
    if (code === 'hung') d.proc.kill('SIGKILL');
    assert.notEqual(code, 'hung', `daemon wedged on ${JSON.stringify(garbage.slice(0, 30))}`);
    assert.match(d.err(), /jumplens daemon: LSP stream/, d.err().slice(-1000));
  }
  tmp.cleanup();
});
