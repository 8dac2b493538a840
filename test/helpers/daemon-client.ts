// Starts the real daemon (`bin/jumplens daemon --stdio`) as a child process and talks JSON-RPC to
// it with vscode-jsonrpc, the way an editor does. No part of the daemon is mocked.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { REPO_ROOT } from './paths';
import { randomSae } from './sae-fixtures';
import { saveSae } from '../../server/src/engine/sae/io';
import { initBackend } from '../../server/src/engine/backend';

export interface Daemon {
  conn: MessageConnection;
  proc: ChildProcess;
  stderr: () => string;
  /** Every notification received, in order. */
  notes: { method: string; params: any }[];
  /** Resolves with the first notification (already received or future) matching `pred`. */
  waitFor(method: string, pred: (p: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/**
 * A random-weight JumpReLU SAE (d_in 64 = stories260K's d_model, hook blocks.2.hook_resid_post) in
 * SAELens format: the default SAE asset is not on this branch yet, so tests use this one.
 */
export async function writeRandomSae(dir: string, dSae = 256): Promise<string> {
  await initBackend();
  const sae = randomSae('jumprelu', 64, dSae, 7);
  try {
    await saveSae(dir, sae);
  } finally {
    sae.dispose();
  }
  return dir;
}

export async function startDaemon(initializationOptions: Record<string, unknown>, rootDir: string): Promise<Daemon> {
  return connectDaemon({
    args: [path.join(REPO_ROOT, 'bin', 'jumplens'), 'daemon', '--stdio'],
    cwd: REPO_ROOT,
    initialize: {
      rootUri: `file://${rootDir}`,
      capabilities: { window: { workDoneProgress: true }, textDocument: { hover: { contentFormat: ['markdown'] } } },
      initializationOptions,
    },
  });
}

export interface DaemonLaunch {
  /** Node's arguments: the daemon's script and its flags (`--stdio`). */
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** initialize's params, less processId. */
  initialize: Record<string, unknown>;
  /** The answer to each workspace/configuration request (default: null per item). */
  configuration?: (items: { section?: string }[]) => unknown[];
}

/** Spawns a daemon on stdio, records its notifications, answers its client requests and initializes it. */
export async function connectDaemon(launch: DaemonLaunch): Promise<Daemon> {
  const proc = spawn(process.execPath, launch.args, { cwd: launch.cwd, env: launch.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const notes: Daemon['notes'] = [];
  const waiters: { method: string; pred: (p: any) => boolean; resolve: (p: any) => void }[] = [];
  const onNote = (method: string, params: any) => {
    notes.push({ method, params });
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].method === method && waiters[i].pred(params)) {
        waiters[i].resolve(params);
        waiters.splice(i, 1);
      }
    }
  };
  conn.onNotification(onNote);
  // vscode-jsonrpc routes $/progress to per-token handlers; tokens the server created arrive here.
  conn.onUnhandledProgress((p) => onNote('$/progress', p));
  // Server-initiated progress: the client must accept the token.
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) => launch.configuration?.(p.items) ?? p.items.map(() => null));
  conn.listen();
  await conn.sendRequest('initialize', { processId: process.pid, ...launch.initialize });
  await conn.sendNotification('initialized', {});
  return {
    conn,
    proc,
    stderr: () => err,
    notes,
    waitFor(method, pred, timeoutMs = 60_000) {
      const hit = notes.find((n) => n.method === method && pred(n.params));
      if (hit) return Promise.resolve(hit.params);
      return new Promise((resolve, reject) => {
        const w = { method, pred, resolve: (p: any) => (clearTimeout(t), resolve(p)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`timed out waiting for ${method}; daemon stderr:\n${err.slice(-2000)}`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    async close() {
      try {
        await Promise.race([conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 10_000))]);
        await conn.sendNotification('exit');
      } catch {
        /* already gone */
      }
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const t = setTimeout(() => (proc.kill('SIGKILL'), resolve()), 5000);
        proc.once('exit', () => (clearTimeout(t), resolve()));
      });
      conn.dispose();
    },
  };
}

export interface WsDaemon {
  proc: ChildProcess;
  url: string;
  token: string;
  /** Everything the daemon wrote to stderr and stdout so far (it keeps collecting). */
  stderr(): string;
  stdout(): string;
}

/** `jumplens daemon --ws --port 0 ...args`, resolved once it prints its endpoint and token. */
export function startWsDaemon(args: string[], cwd: string): Promise<WsDaemon> {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'jumplens'), 'daemon', '--ws', '--port', '0', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`daemon did not start: ${err}`)), 60_000);
    let started = false;
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const u = /ws listening on (\S+)/.exec(err);
      const k = /token ([0-9a-f]{64})/.exec(err);
      if (u && k && !started) {
        started = true;
        clearTimeout(t);
        resolve({ proc, url: u[1], token: k[1], stderr: () => err, stdout: () => out });
      }
    });
  });
}
