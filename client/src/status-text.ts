// The status bar's text and tooltip from the daemon's status; kept free of `vscode` so it is unit-tested.
import type { StatusResult } from '../../protocol';

export function summarize(s: StatusResult | undefined, starting: boolean): { text: string; tooltip: string } {
  if (!s) return { text: starting ? '$(loading~spin) JumpLens' : '$(circle-slash) JumpLens', tooltip: starting ? 'JumpLens daemon starting' : 'JumpLens daemon not running' };
  if (s.error) return { text: `$(error) JumpLens`, tooltip: s.error };
  const kind = s.backend.kind.toUpperCase();
  const model = s.model?.name ?? 'no model';
  const sae = s.sae ? `${s.sae.architecture} ${s.sae.dSae} @ ${s.sae.hook}` : 'no SAE';
  const lat = s.lastLatencyMs !== undefined ? ` ${Math.round(s.lastLatencyMs)} ms` : '';
  return {
    text: `$(pulse) ${kind} · ${model} · ${s.sae ? `SAE ${s.sae.dSae}` : 'no SAE'}${lat}`,
    tooltip: `JumpLens — backend ${s.backend.label} (${s.backend.detail})\nmodel: ${model}\nSAE: ${sae}\ntensors: ${s.memory.numTensors}`,
  };
}
