// How a webview reaches the daemon: the token-authenticated ws API when it has an endpoint (from
// the extension's {type:'endpoint'} message, or `#ws=...&token=...` in standalone test mode), and
// otherwise requests relayed by the extension over postMessage. Both speak the ws API's
// {id, op} -> {id, ok, result|error} envelope, so callers do not care which one is live.
import type { ExtensionRelayMessage, ExtensionToWebview, RelayRequest, WebviewRelayMessage, WebviewToExtension, WsPush, WsReply } from '../../protocol';

type Outgoing = WebviewToExtension | WebviewRelayMessage;
type Incoming = ExtensionToWebview | ExtensionRelayMessage;

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
export type RequestBody = RelayRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export class DaemonClient {
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private ws: WebSocket | undefined;
  private pushListeners: ((p: WsPush) => void)[] = [];
  private messageListeners: ((m: Incoming) => void)[] = [];
  private openListeners: (() => void)[] = [];
  /** Set while a socket is connecting: requests wait for it rather than racing to the relay. */
  private connecting: Promise<void> | undefined;
  /** 'ws' once a socket is open, else 'relay' (through the extension). */
  mode: 'ws' | 'relay' = 'relay';

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

  connect(url: string, token: string): void {
    this.ws?.close();
    const u = new URL(url);
    u.searchParams.set('token', token);
    const ws = new WebSocket(u.toString());
    let settle = () => {};
    this.connecting = new Promise<void>((r) => (settle = r));
    ws.onopen = () => {
      this.mode = 'ws';
      document.body.dataset.daemon = 'ws';
      this.connecting = undefined;
      settle();
      for (const l of this.openListeners) l();
    };
    ws.onclose = () => {
      if (this.ws === ws) {
        this.mode = 'relay';
        document.body.dataset.daemon = 'closed';
        this.connecting = undefined;
        settle();
      }
    };
    ws.onmessage = (e) => this.onReply(JSON.parse(String(e.data)) as WsReply | WsPush);
    this.ws = ws;
  }

  async request<T = unknown>(body: RequestBody): Promise<T> {
    if (this.connecting) await this.connecting;
    const id = this.nextId++;
    const req = { id, ...body } as RelayRequest;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.mode === 'ws' && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(req));
      else if (host()) postToExtension({ type: 'request', req });
      else {
        this.pending.delete(id);
        reject(new Error('no daemon connection: neither a ws endpoint nor the extension host'));
      }
    });
  }

  private onHostMessage(m: Incoming): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'endpoint') this.connect(m.url, m.token);
    else if (m.type === 'reply') this.onReply(m.reply);
    else if (m.type === 'push') this.onReply(m.push);
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
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
