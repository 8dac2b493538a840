// Reading SAELens cfg.json (v6 and the pre-6.0 spellings) into a validated SaeConfig. Unknown keys
// are kept so a load/save round trip writes them back unchanged.
import { ARCHITECTURES } from '../../../../protocol/train';
import { architectureOf } from './registry';
import type { NormalizeActivations, SaeArchitecture, SaeConfig, SaeDtype } from './types';
const NORMS: readonly NormalizeActivations[] = ['none', 'expected_average_only_in', 'constant_norm_rescale', 'layer_norm'];

/** SAELens's pre-6.0 activation_fn_str values mapped to v6 architectures. */
const LEGACY_ACTIVATION: Record<string, SaeArchitecture> = { relu: 'standard', topk: 'topk', jumprelu: 'jumprelu' };

/**
 * The architecture a cfg describes. SAELens v3.x-v4.3 wrote TopK SAEs as `architecture: "standard"`
 * with `activation_fn_str: "topk"` and `activation_fn_kwargs: {k}`; SAELens 6's
 * `handle_pre_6_0_config` turns them into `topk`, and so does this. An activation it cannot map
 * (e.g. "tanh-relu") is an error rather than a silent ReLU.
 */
function architectureFromCfg(c: Record<string, unknown>, file: string): SaeArchitecture {
  let arch = c.architecture as string | undefined;
  const fn = (c.activation_fn_str ?? c.activation_fn) as unknown;
  if (fn !== undefined && fn !== null && (arch === undefined || arch === 'standard')) {
    const mapped = typeof fn === 'string' ? LEGACY_ACTIVATION[fn] : undefined;
    if (!mapped) throw new Error(`${file}: activation_fn_str ${JSON.stringify(fn)} is not supported (supported: ${Object.keys(LEGACY_ACTIVATION).join(', ')})`);
    arch = mapped;
  }
  arch ??= 'standard';
  if (arch === 'topk' && c.k === undefined) {
    const fnKwargs = c.activation_fn_kwargs as Record<string, unknown> | undefined;
    if (typeof fnKwargs?.k !== 'number')
      throw new Error(`${file}: topk SAE needs k (field "k" or activation_fn_kwargs.k), got ${JSON.stringify(fnKwargs ?? null)}`);
    c.k = fnKwargs.k;
  }
  if (c.finetuning_scaling_factor === true) throw new Error(`${file}: finetuning_scaling_factor true (a learned per-feature scale) is not supported`);
  if (!ARCHITECTURES.includes(arch as SaeArchitecture)) {
    throw new Error(`${file}: unknown SAE architecture ${JSON.stringify(arch)} (supported: ${ARCHITECTURES.join(', ')})`);
  }
  return arch as SaeArchitecture;
}

/** cfg dtype: SAELens 6 writes "float32"; older files wrote "torch.float32". Absent means float32. */
function dtypeOf(raw: unknown, file: string): SaeDtype {
  if (raw === undefined || raw === null) return 'float32';
  const d = typeof raw === 'string' ? raw.replace(/^torch\./, '') : raw;
  if (d === 'float32' || d === 'float16' || d === 'bfloat16') return d;
  throw new Error(`${file}: dtype ${JSON.stringify(raw)} is not supported (float32, float16, bfloat16)`);
}

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
    // The rest of SAELens 6's LLM_METADATA_KEYS, which handle_pre_6_0_config also moves.
    ['model_class_name', 'model_class_name'],
    ['model_from_pretrained_kwargs', 'model_from_pretrained_kwargs'],
    ['exclude_special_tokens', 'exclude_special_tokens'],
    ['neuronpedia_id', 'neuronpedia_id'],
    ['seqpos_slice', 'seqpos_slice'],
    ['sae_lens_version', 'sae_lens_version'],
    ['sae_lens_training_version', 'sae_lens_training_version'],
  ] as const) {
    if (c[oldKey] !== undefined && metadata[newKey] === undefined) metadata[newKey] = c[oldKey];
    if (oldKey !== newKey || c.metadata === undefined) delete c[oldKey];
  }
  let arch = architectureFromCfg(c, file);
  // SAELens 6 has no inference BatchTopK: the writer stores one as the JumpReLU it equals and marks it.
  if (arch === 'jumprelu' && metadata.jumplens_architecture === 'batchtopk') arch = 'batchtopk';
  for (const k of ['d_in', 'd_sae'] as const) {
    if (!Number.isSafeInteger(c[k]) || (c[k] as number) <= 0) throw new Error(`${file}: ${k} must be a positive integer, got ${JSON.stringify(c[k])}`);
  }
  let norm = c.normalize_activations;
  if (norm === true) norm = 'expected_average_only_in';
  if (norm === false || norm === undefined || norm === null) norm = 'none';
  if (!NORMS.includes(norm as NormalizeActivations)) {
    throw new Error(`${file}: unknown normalize_activations ${JSON.stringify(norm)} (supported: ${NORMS.join(', ')})`);
  }
  const dtype = dtypeOf(c.dtype, file);
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
