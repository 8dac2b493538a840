// cfg.json exactly as SAELens 6 writes it (`SAE.save_model` → `SAEConfig.to_dict`): the base
// dataclass fields in their order (d_in, d_sae, dtype, device, apply_b_dec_to_input,
// normalize_activations, reshape_activations, metadata), then the architecture's own fields (TopK:
// k, rescale_acts_by_decoder_norm), then `architecture`. `metadata` is `SAEMetadata.to_dict()`, which
// always holds `sae_lens_version` and `sae_lens_training_version`: without a version ≥ 6.0.0-rc.0,
// SAELens's `handle_config_defaulting` takes the pre-6.0 path and rebuilds metadata from top-level
// keys only, losing hook_name and model_name (then `HookedSAETransformer.add_sae` skips the SAE).
import type { SaeConfig, SaeDtype } from '../types';

/** The SAELens release whose on-disk format this writer reproduces (checked against 6.18.0's sae.py). */
export const SAELENS_FORMAT_VERSION = '6.18.0';

/** Keys SAELens 6's `SAEConfig` (or a subclass) declares; everything else lives under metadata. */
const BASE_KEYS = ['d_in', 'd_sae', 'dtype', 'device', 'apply_b_dec_to_input', 'normalize_activations', 'reshape_activations', 'metadata', 'architecture'];

/** The per-architecture fields of SAELens 6's inference configs (TopKSAEConfig; the others add none). */
const ARCH_FIELDS: Record<SaeConfig['architecture'], Record<string, unknown>> = {
  jumprelu: {},
  standard: {},
  gated: {},
  topk: { k: undefined, rescale_acts_by_decoder_norm: false },
  // BatchTopK has no inference class in SAELens 6 (`BatchTopKTrainingSAE` exports a JumpReLU with a
  // [d_sae] threshold); written as that JumpReLU, marked in metadata so JumpLens reads it back as BatchTopK.
  batchtopk: {},
};

/** Major version of a "6.18.0" / "6.0.0-rc.0" string, or undefined. */
export function saeLensMajor(v: unknown): number | undefined {
  const m = typeof v === 'string' ? /^v?(\d+)\./.exec(v) : null;
  return m ? Number(m[1]) : undefined;
}

/** The object written to cfg.json for `cfg` stored as `dtype`. */
export function saeLensCfgJson(cfg: SaeConfig, dtype: SaeDtype, jumplensVersion: string): Record<string, unknown> {
  const md = cfg.metadata ?? {};
  const hook = typeof md.hook_name === 'string' ? md.hook_name : null;
  // A version from a file already in the v6 format is kept; an older one would send SAELens down
  // its pre-6.0 path, and this writer has translated the config to v6, so it writes its own.
  const keepVersion = (saeLensMajor(md.sae_lens_version) ?? 0) >= 6;
  const metadata: Record<string, unknown> = {
    sae_lens_version: keepVersion ? md.sae_lens_version : SAELENS_FORMAT_VERSION,
    // Which release trained it is history, not format: kept whenever known (SAEMetadata's default otherwise).
    sae_lens_training_version: md.sae_lens_training_version ?? SAELENS_FORMAT_VERSION,
    model_name: md.model_name ?? null,
    hook_name: hook,
    model_class_name: md.model_class_name ?? 'HookedTransformer',
    hook_head_index: md.hook_head_index ?? null,
    context_size: md.context_size ?? null,
    ...md,
    jumplens_version: jumplensVersion,
  };
  if (cfg.architecture === 'batchtopk') metadata.jumplens_architecture = 'batchtopk';
  // Keys spread from md must not put back an old version the lines above replaced.
  metadata.sae_lens_version = keepVersion ? md.sae_lens_version : SAELENS_FORMAT_VERSION;
  const out: Record<string, unknown> = {
    d_in: cfg.d_in,
    d_sae: cfg.d_sae,
    dtype,
    device: cfg.device ?? 'cpu',
    apply_b_dec_to_input: cfg.apply_b_dec_to_input,
    normalize_activations: cfg.normalize_activations,
    reshape_activations: cfg.reshape_activations ?? (hook?.endsWith('hook_z') ? 'hook_z' : 'none'),
    metadata,
  };
  for (const [k, dflt] of Object.entries(ARCH_FIELDS[cfg.architecture])) {
    const v = cfg[k] ?? dflt;
    if (v !== undefined) out[k] = v;
  }
  // Keys JumpLens does not interpret (a round trip of someone else's file) go back unchanged.
  for (const [k, v] of Object.entries(cfg)) if (!BASE_KEYS.includes(k) && !(k in out) && v !== undefined) out[k] = v;
  out.architecture = cfg.architecture === 'batchtopk' ? 'jumprelu' : cfg.architecture;
  return out;
}
