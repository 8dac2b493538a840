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
import { parseWsMessage, type JobEvent, type StatusResult, type TokenFeatures, type WsOp, type WsOps, type WsPush, type WsReply, type WsRequestOf, type SteerParams, type SteerResult } from '../../../protocol';
import type { JobsPort } from '../session/ports';
import { handleFeatureRequest, type FeatureOpsContext } from './feature-ops';

export interface ApiBackend {
  status(): StatusResult;
  analyze(text: string, topK?: number): Promise<TokenFeatures[]>;
  jobs: JobsPort;
  /** Feature-browser queries for the loaded SAE's feature store (undefined: none loaded). */
  features?: () => FeatureOpsContext | undefined;
  /** Steering a text with the settings' engine (undefined: this daemon cannot steer). */
  steer?: (p: SteerParams) => Promise<SteerResult>;
}

export interface WsServerHandle {
  url: string;
  token: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Largest message accepted; analysis requests carry a document's text. */
const MAX_PAYLOAD = 4 * 1024 * 1024;

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
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!tokenOk(presentedToken(req), token)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
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
};

function run<O extends WsOp>(api: ApiBackend, req: WsRequestOf<O>): Promise<WsOps[O]['result']> | WsOps[O]['result'] {
  return (HANDLERS[req.op] as Handlers[O])(api, req);
}
