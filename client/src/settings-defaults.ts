// Defaults the client fills into the daemon's settings; free of `vscode` so it is unit-tested.

/**
 * The jumplens.* settings the extension passes in initializationOptions (where they are not empty),
 * so the first analysis already uses them; the rest arrive with the configuration section.
 */
export const INIT_OPTION_SETTINGS = ['model', 'sae', 'hook', 'topK', 'languages', 'maxTokens', 'denseFeatureThreshold'] as const;

/** The settings object with `sae` set to the bundled default when the user left it empty. */
export function withDefaultSae(v: unknown, defaultSae: string | undefined): unknown {
  if (!defaultSae || !v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return o.sae ? o : { ...o, sae: defaultSae };
}
