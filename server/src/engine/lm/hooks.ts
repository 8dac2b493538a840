// TransformerLens hook names: which site, which layer, and the order they run in.

export type HookKind = 'hook_embed' | 'hook_resid_pre' | 'hook_attn_out' | 'hook_mlp_out' | 'hook_resid_post';

export interface HookPoint {
  name: string;
  kind: HookKind;
  /** Block index; -1 for hook_embed. */
  layer: number;
  /** Position in execution order (hook_embed = 0). */
  order: number;
}

const BLOCK_KINDS: HookKind[] = ['hook_resid_pre', 'hook_attn_out', 'hook_mlp_out', 'hook_resid_post'];

/** Every hook of an n-layer model, in execution order. */
export function allHookNames(nLayers: number): string[] {
  const out = ['hook_embed'];
  for (let l = 0; l < nLayers; l++) for (const k of BLOCK_KINDS) out.push(`blocks.${l}.${k}`);
  return out;
}

/** Parses and validates a hook name against a model's depth; the error lists the accepted forms. */
export function parseHook(name: string, nLayers: number): HookPoint {
  if (name === 'hook_embed') return { name, kind: 'hook_embed', layer: -1, order: 0 };
  const m = /^blocks\.(\d+)\.(hook_resid_pre|hook_attn_out|hook_mlp_out|hook_resid_post)$/.exec(name);
  if (!m) {
    throw new Error(`unknown hook "${name}": expected hook_embed or blocks.{layer}.{hook_resid_pre|hook_attn_out|hook_mlp_out|hook_resid_post}`);
  }
  const layer = Number(m[1]);
  if (layer >= nLayers) throw new Error(`hook "${name}": layer ${layer} out of range (the model has ${nLayers} layers, 0..${nLayers - 1})`);
  const kind = m[2] as HookKind;
  return { name, kind, layer, order: 1 + layer * 4 + BLOCK_KINDS.indexOf(kind) };
}
