// The settings one document is analysed with: the daemon settings, overridden by the document's
// own `.jlp` directives. Relative `@sae` paths are relative to the prompt file's folder, as a user
// writing `@sae ./saes/layer3` next to the file expects; `@model` is tried there first and then as a
// name in the models folder (`@model stories15M.bin`). `@hook` picks the SAE `jumplens.saes` names for
// that hook, so switching layers in a file switches SAEs with it.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PromptOverrides } from './prompt-file';
import type { DaemonSettings } from '../session/settings';
import { defaultSaePath, type EngineSpec } from '../session/engine-session';

export interface DocumentSettings {
  engine: EngineSpec;
  topK: number;
  maxTokens: number;
  bos: boolean;
}

export function documentSettings(s: DaemonSettings, o: PromptOverrides, uri?: string): DocumentSettings {
  const dir = uri?.startsWith('file:') ? path.dirname(fileURLToPath(uri)) : undefined;
  const model = o.model === undefined ? s.model : dir && !path.isAbsolute(o.model) && existsSync(path.join(dir, o.model)) ? path.join(dir, o.model) : o.model;
  const hook = o.hook ?? s.hook;
  // An SAE named for the hook (`jumplens.saes`) is more specific than `jumplens.sae`.
  const forHook = hook ? s.saes?.[hook] : undefined;
  const sae = o.sae === undefined ? (forHook ?? s.sae ?? defaultSaePath() ?? null) : o.sae === null ? null : dir ? path.resolve(dir, o.sae) : o.sae;
  return {
    engine: { model, sae, hook },
    topK: o.topK ?? s.topK,
    maxTokens: o.maxTokens ?? s.maxTokens,
    bos: o.bos ?? true,
  };
}
