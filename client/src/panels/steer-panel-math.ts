// The steer panel's one conversion, kept free of `vscode` so it is unit-tested: the panel's clamp
// value is in units of the feature's max activation, the daemon's is absolute.
import type { SteerIntervention } from '../../../protocol';
import type { SteerTarget } from '../../../protocol/webview';

/** The intervention a target asks for, given the feature's max activation (undefined: no store, values are absolute). */
export function interventionFor(t: SteerTarget, maxAct: number | undefined): SteerIntervention {
  if (t.mode === 'ablate') return { feature: t.feature, mode: 'ablate' };
  if (t.mode === 'scale') return { feature: t.feature, mode: 'scale', value: t.value ?? 1 };
  return { feature: t.feature, mode: 'clamp', value: (t.value ?? 0) * (maxAct ?? 1) };
}
