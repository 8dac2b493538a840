// The WebSocket API: the daemon's operations and a push stream of job events, for the webview and
// remote clients. Loopback by default; every connection must present the per-daemon token (query
// `?token=` or `Authorization: Bearer`), else the upgrade is answered 401. Each message is
// validated (protocol/ws.ts schemas); a malformed one gets an error reply and nothing else happens.
// Each op has one typed handler (HANDLERS), so its result is the one WsOps declares.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  parseWsMessage,
  WS_LIMITS,
  type JobEvent,
  type StatusResult,
  type TokenFeatures,
  type WsOp,
  type WsOps,
  type WsPush,
  type WsReply,
  type WsRequestOf,
  type AnyWsRequest,
  type SteerParams,
  type SteerResult,
} from '../../../protocol';
import { frontierResults } from '../session/frontier-results';
import type { FsPolicy } from '../session/fs-policy';
import type { JobsPort } from '../session/ports';
import { handleFeatureRequest, type FeatureOpsContext } from './feature-ops';

export interface ApiBackend {
  status(): StatusResult;
  analyze(text: string, topK?: number): Promise<TokenFeatures[]>;
  jobs: JobsPort;
  /** Feature-browser queries for the loaded SAE's feature store (undefined: none loaded). */
  features?: () => FeatureOpsContext | undefined;
  /** Where ws ops and job specs may read and write; absent: no confinement (tests of the ops alone). */
  fsPolicy?: FsPolicy;
  /** Steering a text with the settings' engine (undefined: this daemon cannot steer). */
  steer?: (p: SteerParams) => Promise<SteerResult>;
  /** The reference frontier the package ships (session/frontier-results.ts); undefined: none. */
  bundledFrontier?: () => string | undefined;
}

export interface WsServerHandle {
  url: string;
  token: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Largest frame/message accepted (bytes); a bigger one closes that connection (code 1009), never the daemon. */
export const MAX_PAYLOAD = WS_LIMITS.maxMessageBytes;

/** Hosts the Host header may name when the server is bound to loopback (DNS-rebinding guard). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Why an upgrade is refused, or undefined. Origin must be absent (editors, CLI clients), a VS Code
 * webview's (`vscode-webview://…`) or a loopback page's: VS Code in a browser (code-server, VS Code
 * for the Web served locally) runs webviews from its own http://127.0.0.1:<port> origin, which the
 * daemon cannot know in advance. A page from any other site is refused; on a loopback bind the Host
 * must be loopback too, so a web page cannot reach the daemon through a rebound DNS name. The token
 * is required either way.
 */
export function upgradeRefusal(req: IncomingMessage, bound: { host: string; port: number }): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let own = false;
    try {
      const u = new URL(origin);
      own = ['http:', 'https:', 'ws:'].includes(u.protocol) && LOOPBACK_HOSTS.has(u.hostname);
    } catch {
      return 'bad Origin';
    }
    if (!origin.startsWith('vscode-webview://') && !own) return `Origin ${origin} is not allowed`;
  }
  if (LOOPBACK_HOSTS.has(bound.host)) {
    const h = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!LOOPBACK_HOSTS.has(h)) return 'Host must be loopback';
  }
  return undefined;
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

function presentedToken(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const q = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
  return q ?? undefined;
}

function tokenOk(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startWsServer(api: ApiBackend, opts: { host?: string; port?: number; token?: string } = {}): Promise<WsServerHandle> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const http = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('JumpLens daemon: WebSocket only\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  // A socket error (reset, bad HTTP) ends that socket; an unhandled one would end the daemon.
  http.on('clientError', (_e, socket) => socket.destroy());
  wss.on('error', (e) => console.error(`jumplens daemon: ws server error: ${e.message}`));
  const bound = { host, port: 0 };
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (!tokenOk(presentedToken(req), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const refused = upgradeRefusal(req, bound);
    if (refused) {
      console.error(`jumplens daemon: ws upgrade refused: ${refused}`);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const onEvent = (event: JobEvent) => {
    const msg = JSON.stringify({ push: 'jobEvent', event } satisfies WsPush);
    for (const c of wss.clients) if (c.readyState === c.OPEN) c.send(msg);
  };
  const unsubscribe = api.jobs.subscribe(onEvent);

  wss.on('connection', (ws: WebSocket) => {
    // Malformed frames (bad opcode, RSV bits, unmasked, invalid UTF-8, bad close code, over
    // maxPayload) surface here; ws has already closed the connection with the right code.
    ws.on('error', (e) => console.error(`jumplens daemon: ws client dropped: ${e.message}`));
    ws.on('message', (data, isBinary) => {
      const reply = (r: WsReply) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(r));
      if (isBinary) return reply({ id: null, ok: false, error: 'binary messages are not accepted; send JSON text' });
      let m: unknown;
      try {
        m = JSON.parse(data.toString());
      } catch {
        return reply({ id: null, ok: false, error: 'message is not valid JSON' });
      }
      const parsed = parseWsMessage(m);
      if (!parsed.ok) return reply({ id: parsed.id, ok: false, error: parsed.error });
      const { id } = parsed.req;
      const refused = policyRefusal(api, parsed.req);
      if (refused) return reply({ id, ok: false, error: refused });
      // Sync handlers may throw; both paths end in the same error reply.
      Promise.resolve()
        .then(() => run(api, parsed.req))
        .then(
          (result) => reply({ id, ok: true, result }),
          (e: unknown) => reply({ id, ok: false, error: e instanceof Error ? e.message : String(e) }),
        );
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  bound.port = port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${urlHost}:${port}/`,
    token,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  };
}

/** The filesystem policy's verdict on a request that names paths (undefined: allowed or no policy). */
function policyRefusal(api: ApiBackend, req: AnyWsRequest): string | undefined {
  const fs = api.fsPolicy;
  if (!fs) return undefined;
  try {
    if (req.op === 'importLabels') fs.checkRead(req.file, 'importLabels "file"');
    else if (req.op === 'startJob') fs.checkJobSpec(req.spec);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return undefined;
}

type Handlers = { [O in WsOp]: (api: ApiBackend, req: WsRequestOf<O>) => WsOps[O]['result'] | Promise<WsOps[O]['result']> };

const NO_STORE = 'no feature store is loaded: build one (JumpLens: Build Feature Store) next to the SAE';

/** The feature-ops context, or the error every feature op answers without one. */
function featuresOf(api: ApiBackend): FeatureOpsContext {
  const ctx = api.features?.();
  if (!ctx) throw new Error(NO_STORE);
  return ctx;
}

const HANDLERS: Handlers = {
  status: (api) => api.status(),
  listJobs: (api) => api.jobs.list(),
  startJob: (api, req) => api.jobs.start(req.spec),
  cancelJob: (api, req) => api.jobs.cancel(req.jobId),
  resumeJob: (api, req) => api.jobs.resume(req.jobId),
  analyze: (api, req) => api.analyze(req.text, req.topK),
  listFeatures: (api, req) => handleFeatureRequest(featuresOf(api), req),
  featureCard: (api, req) => handleFeatureRequest(featuresOf(api), req),
  setLabel: (api, req) => handleFeatureRequest(featuresOf(api), req),
  importLabels: (api, req) => handleFeatureRequest(featuresOf(api), req),
  steer: (api, req) => {
    if (!api.steer) throw new Error('this daemon does not steer');
    if (req.text === undefined) throw new Error('the ws op steer needs "text" (uri + position is the LSP request jumplens/steer)');
    return api.steer(req);
  },
  frontierResults: (api, req) => frontierResults(req, { bundled: api.bundledFrontier?.(), policy: api.fsPolicy }),
};

function run<O extends WsOp>(api: ApiBackend, req: WsRequestOf<O>): Promise<WsOps[O]['result']> | WsOps[O]['result'] {
  return (HANDLERS[req.op] as Handlers[O])(api, req);
}
