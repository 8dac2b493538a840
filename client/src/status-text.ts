// The status bar's text and tooltip, and Show Status's details, from the daemon's status; kept free of `vscode` so they are unit-tested.
import type { StatusResult } from '../../protocol';

export function summarize(s: StatusResult | undefined, starting: boolean): { text: string; tooltip: string } {
  if (!s)
    return {
      text: starting ? '$(loading~spin) JumpLens' : '$(circle-slash) JumpLens',
      tooltip: starting ? 'JumpLens daemon starting' : 'JumpLens daemon not running',
    };
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

/** The lines "Show Status" shows: everything the status item abbreviates, and the daemon's runtime. */
export function statusDetails(s: StatusResult | undefined, runtime: string): string[] {
  if (!s) return ['The daemon is not running.'];
  return [
    `Backend: ${s.backend.label} — ${s.backend.detail}`,
    `Model: ${s.model ? `${s.model.name} (d_model ${s.model.dModel}, ${s.model.nLayers} layers)` : 'none'}`,
    `SAE: ${s.sae ? `${s.sae.architecture}, d_sae ${s.sae.dSae}, ${s.sae.hook}` : 'none'}`,
    `Last encode: ${s.lastLatencyMs !== undefined ? `${Math.round(s.lastLatencyMs)} ms` : '—'}`,
    `Tensors: ${s.memory.numTensors} (${(s.memory.numBytes / 1e6).toFixed(1)} MB)`,
    `Daemon runtime: ${runtime}`,
    ...(s.error ? [`Error: ${s.error}`] : []),
  ];
}
