// What "Steer Feature…" / "Ablate Feature" act on: a feature at a document's cursor. Hover links pass
// it as one JSON object ({uri, position, feature}); the palette passes nothing, and the command fills
// the gaps from the active editor and an input box. Pure (no `vscode`), so it is unit-tested.
import type { SteerTarget } from '../../protocol/webview';

/** The clamp a fresh "Steer Feature…" starts at, in units of the feature's max activation. */
export const DEFAULT_CLAMP_X_MAX = 2;

export interface SteerArg {
  uri?: string;
  position?: { line: number; character: number };
  feature?: number;
}

const isPos = (p: unknown): p is { line: number; character: number } =>
  !!p && typeof p === 'object' && Number.isInteger((p as { line: unknown }).line) && Number.isInteger((p as { character: unknown }).character);

/** The fields of a command argument that are well formed; anything else is left for the command to ask. */
export function parseSteerArg(arg: unknown): SteerArg {
  if (!arg || typeof arg !== 'object') return {};
  const a = arg as Record<string, unknown>;
  const out: SteerArg = {};
  if (typeof a.uri === 'string') out.uri = a.uri;
  if (isPos(a.position)) out.position = { line: a.position.line, character: a.position.character };
  if (Number.isInteger(a.feature) && (a.feature as number) >= 0) out.feature = a.feature as number;
  return out;
}

/** A feature id typed in the input box, or an error line naming the problem. */
export function parseFeatureInput(s: string): number | string {
  const t = s.trim().replace(/^#/, '');
  return /^\d+$/.test(t) ? Number(t) : `"${s}" is not a feature id (a non-negative integer)`;
}

export function steerTarget(a: Required<SteerArg>, mode: 'clamp' | 'ablate'): SteerTarget {
  return { uri: a.uri, position: a.position, feature: a.feature, mode, ...(mode === 'clamp' ? { value: DEFAULT_CLAMP_X_MAX } : {}) };
}
