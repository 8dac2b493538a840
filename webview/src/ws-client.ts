// How a webview reaches the daemon: the token-authenticated ws API, at the endpoint the extension
// hands over ({type:'endpoint'} after the page's 'ready', and again after a daemon restart), or
// `#ws=...&token=...` in standalone test mode. Requests speak the ws API's {id, op} ->
// {id, ok, result|error} envelope. When the socket closes the client reconnects with backoff: it
// asks the extension for the endpoint again (a restarted daemon has a new port and token) and
// retries the last one. The extension itself only carries UI messages (focus a feature, load an
// SAE, open a file), each validated on its side (protocol/webview-schemas.ts).
import type { FeatureRequest, WsPush, WsReply, WsRequest } from '../../protocol';
import type { ExtensionMessage, WebviewMessage } from '../../protocol/webview';
import { Backoff } from './backoff';

type Outgoing = WebviewMessage;
type Incoming = ExtensionMessage;
type DaemonRequest = WsRequest | FeatureRequest;

interface VsCodeApi {
  postMessage(m: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;
/** The extension host, or null when the page runs outside VS Code with no host shim. */
export function host(): VsCodeApi | null {
  if (api) return api;
  if (typeof acquireVsCodeApi === 'function') return (api = acquireVsCodeApi());
  return null;
}

export function postToExtension(m: Outgoing): void {
  host()?.postMessage(m);
}

/** Distributive Omit so each request variant keeps its own fields. */
export type RequestBody = DaemonRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export class DaemonClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private ws: WebSocket | undefined;
  private pushListeners: ((p: WsPush) => void)[] = [];
  private messageListeners: ((m: Incoming) => void)[] = [];
  private openListeners: (() => void)[] = [];
  private closeListeners: (() => void)[] = [];
  /** Set while a socket is connecting: requests wait for it rather than failing. */
  private connecting: Promise<void> | undefined;
  /** The endpoint last connected to (retried after a close). */
  private endpoint: { url: string; token: string } | undefined;
  private readonly backoff = new Backoff();
  private retryTimer: number | undefined;

  constructor() {
    window.addEventListener('message', (e: MessageEvent) => this.onHostMessage(e.data as Incoming));
    const hash = new URLSearchParams(location.hash.slice(1));
    const url = hash.get('ws');
    if (url) this.connect(url, hash.get('token') ?? '');
    postToExtension({ type: 'ready' });
  }

  onPush(cb: (p: WsPush) => void): void {
    this.pushListeners.push(cb);
  }
  onMessage(cb: (m: Incoming) => void): void {
    this.messageListeners.push(cb);
  }
  /** Called each time a ws connection opens (pages reload their data then). */
  onOpen(cb: () => void): void {
    this.openListeners.push(cb);
  }

  /** Called when an open connection is lost (the client is reconnecting then). */
  onClose(cb: () => void): void {
    this.closeListeners.push(cb);
  }

  connect(url: string, token: string): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.endpoint = { url, token };
    this.ws?.close();
    const u = new URL(url);
    u.searchParams.set('token', token);
    const ws = new WebSocket(u.toString());
    let settle = () => {};
    this.connecting = new Promise<void>((r) => (settle = r));
    ws.onopen = () => {
      this.backoff.reset();
      document.body.dataset.daemon = 'ws';
      delete document.body.dataset.reconnectMs;
      this.connecting = undefined;
      settle();
      for (const l of this.openListeners) l();
    };
    let opened = false;
    ws.addEventListener('open', () => (opened = true));
    ws.onclose = () => {
      if (this.ws === ws) {
        if (opened) for (const l of this.closeListeners) l();
        document.body.dataset.daemon = 'closed';
        this.connecting = undefined;
        settle();
        // Their replies will never come; the page reloads its data when a socket opens again.
        for (const p of this.pending.values()) p.reject(new Error('the daemon connection closed'));
        this.pending.clear();
        this.scheduleReconnect();
      }
    };
    ws.onmessage = (e) => this.onReply(JSON.parse(String(e.data)) as WsReply | WsPush);
    this.ws = ws;
  }

  async request<T = unknown>(body: RequestBody): Promise<T> {
    if (this.connecting) await this.connecting;
    const id = this.nextId++;
    const req = { id, ...body } as DaemonRequest;
    const ws = this.ws;
    // Pages reload their data on each open (onOpen), so a request before the first one just fails.
    if (ws?.readyState !== WebSocket.OPEN) throw new Error('the daemon is not reachable yet (no ws connection)');
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify(req));
    });
  }

  /** After a close: wait, then ask the extension for the (maybe new) endpoint and retry the last one. */
  private scheduleReconnect(): void {
    if (this.retryTimer !== undefined) return;
    const ms = this.backoff.next();
    document.body.dataset.reconnectMs = String(ms);
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      postToExtension({ type: 'ready' });
      if (this.endpoint) this.connect(this.endpoint.url, this.endpoint.token);
    }, ms);
  }

  private onHostMessage(m: Incoming): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'endpoint') {
      // The same endpoint while its socket is open or opening: nothing to do (a 'ready' re-asked it).
      const same = this.endpoint?.url === m.url && this.endpoint.token === m.token;
      const live = this.ws?.readyState === WebSocket.OPEN || this.ws?.readyState === WebSocket.CONNECTING;
      if (!(same && live)) this.connect(m.url, m.token);
    }
    for (const l of this.messageListeners) l(m);
  }

  private onReply(m: WsReply | WsPush): void {
    if ('push' in m) {
      for (const l of this.pushListeners) l(m);
      return;
    }
    if (m.id === null) return;
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  }
}

/** Element helper: el('div', {class: 'x'}, child, 'text'). Never sets innerHTML, so no markup injection from labels or corpus text. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
