// Runtime schemas of the webview <-> extension postMessage traffic (issue #12): a webview's page is
// untrusted input to the extension, so every message it posts is parsed here before the extension
// acts on it, and anything unknown or malformed is dropped. Each schema sits next to the type it
// checks; the types are inferred from the schemas so the two cannot drift. The webview never talks
// to the daemon's stdio: it reaches the daemon over the ws API (ws.ts) with the endpoint the
// extension hands it.
import { z } from 'zod';
import type { SteerResult } from './steer';
import type { TokenFeatures } from './tokens';

// ---------------------------------------------------------------------------------------------
// webview -> extension

/** webview -> extension: the page loaded (or lost its socket) and wants the daemon's ws endpoint. */
export const ReadyMessage = z.object({ type: z.literal('ready') }).strict();
/** webview -> extension: focus a feature in the active editor ("Focus in editor"). */
export const FocusFeatureMessage = z.object({ type: z.literal('focusFeature'), feature: z.number().int().nonnegative() }).strict();
/** webview -> extension: reveal a job's run folder or result file (only inside the workspace or runs folder). */
export const OpenMessage = z.object({ type: z.literal('open'), path: z.string().min(1).max(4096) }).strict();
/** webview -> extension: load this SAE in the daemon (a frontier point was picked). */
export const LoadSaeMessage = z.object({ type: z.literal('loadSae'), path: z.string().min(1).max(4096) }).strict();

export const WebviewMessage = z.discriminatedUnion('type', [ReadyMessage, FocusFeatureMessage, OpenMessage, LoadSaeMessage]);
export type WebviewMessage = z.infer<typeof WebviewMessage>;

/** The message, or why it is dropped (one line, for the extension's log). */
export function parseWebviewMessage(m: unknown): { ok: true; msg: WebviewMessage } | { ok: false; error: string } {
  const r = WebviewMessage.safeParse(m);
  if (r.success) return { ok: true, msg: r.data };
  const type = m && typeof m === 'object' && 'type' in m ? JSON.stringify((m as { type: unknown }).type) : 'none';
  return { ok: false, error: `webview message of type ${type} dropped: ${z.prettifyError(r.error).replace(/\n/g, '; ')}` };
}

// ---------------------------------------------------------------------------------------------
// extension -> webview (typed only: the extension is trusted, the page just ignores what it does not know)

/** What the dashboard's forms start from: the daemon's loaded model and SAE (its hook), and the jobs corpus setting. */
export interface FormPrefill {
  model?: string;
  sae?: string;
  hook?: string;
  /** Empty/undefined: the daemon's default corpus (the bundled sample). */
  corpus?: string;
}

export type ExtensionMessage =
  /** where the daemon's ws API is and the token to present; sent again after a daemon restart. */
  | { type: 'endpoint'; url: string; token: string }
  /** the hovered token's features changed (the feature browser marks them). */
  | { type: 'hoveredToken'; token: TokenFeatures }
  /** the SAE the daemon has loaded (highlighted on the frontier). */
  | { type: 'currentSae'; path: string | null }
  /** the dashboard's form defaults (fields the user has not edited take them). */
  | { type: 'prefill'; prefill: FormPrefill };

// ---------------------------------------------------------------------------------------------
// The steer panel (issue #15). It talks to the extension only (never the ws API): the extension
// runs `jumplens/steer` over LSP for the panel's document and cursor and posts the result back.

/** webview -> extension: re-run the steer with this intervention on the panel's feature (slider moved, Ablate pressed). */
export const SteerRunMessage = z
  .object({
    type: z.literal('steerRun'),
    mode: z.enum(['clamp', 'scale', 'ablate']),
    /** clamp: the activation in units of the feature's max activation (the slider's value); scale: the factor. */
    value: z.number().finite().min(-1000).max(1000).optional(),
    steps: z.number().int().min(1).max(256).optional(),
  })
  .strict();
export type SteerRunMessage = z.infer<typeof SteerRunMessage>;

export const SteerPanelMessage = z.discriminatedUnion('type', [ReadyMessage, SteerRunMessage]);
export type SteerPanelMessage = z.infer<typeof SteerPanelMessage>;

/** The steer page's message, or why it is dropped. */
export function parseSteerPanelMessage(m: unknown): { ok: true; msg: SteerPanelMessage } | { ok: false; error: string } {
  const r = SteerPanelMessage.safeParse(m);
  if (r.success) return { ok: true, msg: r.data };
  const type = m && typeof m === 'object' && 'type' in m ? JSON.stringify((m as { type: unknown }).type) : 'none';
  return { ok: false, error: `steer panel message of type ${type} dropped: ${z.prettifyError(r.error).replace(/\n/g, '; ')}` };
}

/** What the steer panel is steering: one feature at a document's cursor. */
export interface SteerTarget {
  uri: string;
  position: { line: number; character: number };
  feature: number;
  mode: 'clamp' | 'scale' | 'ablate';
  /** clamp: in units of maxAct; scale: the factor. */
  value?: number;
}

export type SteerPanelUpdate =
  /** extension -> steer page: the target changed (a new Steer…/Ablate); the page sets its controls from it. */
  | { type: 'steerTarget'; target: SteerTarget }
  /** extension -> steer page: a run finished; `value` is the clamp in maxAct units it ran with. */
  | { type: 'steerResult'; result: SteerResult; target: SteerTarget }
  | { type: 'steerError'; error: string };
