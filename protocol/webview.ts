// Webview <-> extension postMessage (the webview never talks to the daemon's stdio directly). Each
// message has a zod schema so the receiving side validates what a page (or a host) posts.
import { z } from 'zod';
import type { AnyWsRequest, WsPush, WsReply } from './ws';
import type { TokenFeatures } from './tokens';

/** webview -> extension messages: the page is ready, focus a feature, open a file. */
export const WebviewToExtensionSchema = z.discriminatedUnion('type', [
  /** the page loaded and wants the ws endpoint. */
  z.object({ type: z.literal('ready') }),
  /** focus a feature in the active editor. */
  z.object({ type: z.literal('focusFeature'), feature: z.int().nonnegative() }),
  /** open a file (results, SAE dir). */
  z.object({ type: z.literal('open'), path: z.string().min(1) }),
]);
export type WebviewToExtension = z.infer<typeof WebviewToExtensionSchema>;

export type ExtensionToWebview =
  /** extension -> webview: where the daemon's ws API is and the token to present. */
  | { type: 'endpoint'; url: string; token: string }
  /** extension -> webview: the hovered token's features changed (feature browser marks them). */
  | { type: 'hoveredToken'; token: TokenFeatures };

/** extension -> webview messages, checked by the page before it acts on them. */
export const ExtensionToWebviewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('endpoint'), url: z.string(), token: z.string() }),
  z.object({ type: z.literal('hoveredToken'), token: z.object({ text: z.string(), top: z.array(z.object({ id: z.int(), act: z.number() }).loose()) }).loose() }),
]);

/** Envelope for ws-API requests relayed by the extension when the webview has no ws endpoint. */
export type RelayRequest = AnyWsRequest;

export type WebviewRelayMessage =
  /** webview -> extension: run this ws-API request for me (same id/reply envelope as the ws API). */
  | { type: 'request'; req: RelayRequest }
  /** webview -> extension: load this SAE in the daemon (picked on the frontier). */
  | { type: 'loadSae'; path: string };

export const WebviewRelayMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('request'), req: z.object({ id: z.int(), op: z.string() }).loose() }),
  z.object({ type: z.literal('loadSae'), path: z.string().min(1) }),
]);

export type ExtensionRelayMessage =
  /** extension -> webview: the reply to a relayed request. */
  | { type: 'reply'; reply: WsReply }
  /** extension -> webview: a daemon push (job events), relayed. */
  | { type: 'push'; push: WsPush }
  /** extension -> webview: the SAE the daemon has loaded (highlighted on the frontier). */
  | { type: 'currentSae'; path: string | null };

/** Parses what a webview posted; undefined for anything that is not one of its messages. */
export function parseWebviewMessage(m: unknown): WebviewToExtension | WebviewRelayMessage | undefined {
  const a = WebviewToExtensionSchema.safeParse(m);
  if (a.success) return a.data;
  const b = WebviewRelayMessageSchema.safeParse(m);
  return b.success ? (b.data as WebviewRelayMessage) : undefined;
}
