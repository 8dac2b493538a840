// Reading SAELens cfg.json (v6 and the pre-6.0 spellings) into a validated SaeConfig. Unknown keys
// are kept so a load/save round trip writes them back unchanged.
import { ARCHITECTURES } from '../../../../protocol/train';
import { architectureOf } from './registry';
import type { NormalizeActivations, SaeArchitecture, SaeConfig, SaeDtype } from './types';
const NORMS: readonly NormalizeActivations[] = ['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'];

/** SAELens's pre-6.0 activation_fn_str values mapped to v6 architectures. */
const LEGACY_ACTIVATION: Record<string, SaeArchitecture> = { relu: 'standard', topk: 'topk', jumprelu: 'jumprelu' };

export function parseSaeConfig(raw: unknown, file: string): SaeConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: cfg must be a JSON object`);
  const c: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  // SAELens 6 writes `metadata`; some 6.0 development builds wrote the same object as `meta`.
  if (c.metadata === undefined && typeof c.meta === 'object' && c.meta !== null && !Array.isArray(c.meta)) {
    c.metadata = c.meta;
    delete c.meta;
  }
  const metadata: Record<string, unknown> = { ...((c.metadata as Record<string, unknown> | undefined) ?? {}) };
  // Pre-6.0 configs keep model/hook fields at the top level, under older names.
  for (const [oldKey, newKey] of [
    ['hook_point', 'hook_name'],
    ['hook_name', 'hook_name'],
    ['hook_point_head_index', 'hook_head_index'],
    ['hook_head_index', 'hook_head_index'],
    ['model_name', 'model_name'],
    ['context_size', 'context_size'],
    ['prepend_bos', 'prepend_bos'],
    ['dataset_path', 'dataset_path'],
  ] as const) {
    if (c[oldKey] !== undefined && metadata[newKey] === undefined) metadata[newKey] = c[oldKey];
    if (oldKey !== newKey || c.metadata === undefined) delete c[oldKey];
  }
  // Pre-6.0 TopK configs keep k in activation_fn_kwargs ({"k": 32}).
  const fnKwargs = c.activation_fn_kwargs as Record<string, unknown> | undefined;
  if (c.k === undefined && typeof fnKwargs?.k === 'number') c.k = fnKwargs.k;
  let arch = c.architecture as string | undefined;
  if (arch === undefined && typeof c.activation_fn_str === 'string') arch = LEGACY_ACTIVATION[c.activation_fn_str];
  if (arch === undefined) arch = 'standard';
  if (!ARCHITECTURES.includes(arch as SaeArchitecture)) {
    throw new Error(`${file}: unknown SAE architecture ${JSON.stringify(arch)} (supported: ${ARCHITECTURES.join(', ')})`);
  }
  for (const k of ['d_in', 'd_sae'] as const) {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) <= 0) throw new Error(`${file}: ${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  }
  let norm = c.normalize_activations;
  if (norm === true) norm = 'expected_average_only_in';
  if (norm === false || norm === undefined || norm === null) norm = 'none';
  if (!NORMS.includes(norm as NormalizeActivations)) {
    throw new Error(`${file}: unknown normalize_activations ${JSON.stringify(norm)} (supported: ${NORMS.join(', ')})`);
  }
  const dtype = (['float32', 'float16', 'bfloat16'].includes(c.dtype as string) ? c.dtype : 'float32') as SaeDtype;
  const cfg: SaeConfig = {
    ...c,
    architecture: arch as SaeArchitecture,
    d_in: c.d_in as number,
    d_sae: c.d_sae as number,
    dtype,
    apply_b_dec_to_input: c.apply_b_dec_to_input === undefined ? true : Boolean(c.apply_b_dec_to_input),
    normalize_activations: norm as NormalizeActivations,
    metadata,
  };
  architectureOf(cfg.architecture).inference.validateConfig(cfg, file);
  return cfg;
}
