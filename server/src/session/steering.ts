// Steering on a session engine, for both daemon faces (the LSP `jumplens/steer` and the ws `steer`
// op): runs the engine's spliced generation and logit effects and shapes them as protocol's
// SteerResult, and keeps each SAE's promoted/suppressed tokens cached so hovers stay fast.
import type { SteerFeatureInfo, SteerIntervention, SteerParams, SteerResult, SteerToken } from '../../../protocol';
import { steerGenerate } from '../engine/steer/generate';
import { featureLogits, nextTokenEffect } from '../engine/steer/logit-effects';
import { asSteerable } from '../engine/steer/steerable';
import type { FeatureLogits, Intervention } from '../engine/steer/types';
import type { Sae } from '../engine/sae/types';
import type { Engine } from './engine-session';

/** Tokens shown per side in the steer result and the hover (sae_vis shows 10 on its card; a hover has room for 3). */
export const STEER_TOP_TOKENS = 5;
export const DEFAULT_STEER_STEPS = 24;

/** Per SAE: each asked feature's logit table (top 10 kept, so any k <= 10 is a slice). */
const logitCache = new WeakMap<Sae, Map<number, FeatureLogits>>();
const CACHED_K = 10;

/** The feature's promoted and suppressed tokens (W_dec[f] · W_U), computed once per SAE and feature. */
export function cachedFeatureLogits(engine: Engine, feature: number, k = 3): FeatureLogits {
  const sae = engine.sae;
  if (!sae) throw new Error('no SAE is loaded: set jumplens.sae (or @sae) to steer features');
  let m = logitCache.get(sae);
  if (!m) logitCache.set(sae, (m = new Map()));
  let l = m.get(feature);
  if (!l) {
    l = featureLogits(asSteerable(engine.model), sae, [feature], CACHED_K)[0];
    m.set(feature, l);
  }
  return { feature, promoted: l.promoted.slice(0, k), suppressed: l.suppressed.slice(0, k) };
}

const toEngine = (iv: SteerIntervention): Intervention => ({ feature: iv.feature, mode: iv.mode, value: iv.value });

/**
 * A request's interventions on top of a steered file's: the file's first, a feature the request
 * names again takes the request's (the panel's slider on a feature the file already steers).
 */
export function withFileInterventions(file: readonly Intervention[], asked: SteerIntervention[]): SteerIntervention[] {
  const mine = new Set(asked.map((iv) => iv.feature));
  return [...file.filter((iv) => !mine.has(iv.feature)), ...asked];
}

/**
 * How a steered file's interventions move the next-token distribution after ids[position] (ids from
 * BOS; the interventions at every position after it), spliced in at the engine's hook.
 */
export function fileNextTokenEffect(engine: Engine, ids: number[], position: number, interventions: readonly Intervention[]) {
  const sae = engine.sae;
  if (!sae) throw new Error('no SAE is loaded: nothing is steered');
  return nextTokenEffect(asSteerable(engine.model), sae, ids, position, { interventions: [...interventions], hook: engine.hook }, STEER_TOP_TOKENS);
}

/** Continues `prompt` (token ids, BOS included when the analysis used one) unsteered and steered. */
export function runSteer(engine: Engine, prompt: number[], p: Omit<SteerParams, 'uri' | 'position' | 'text'>): SteerResult {
  const sae = engine.sae;
  if (!sae) throw new Error('no SAE is loaded: set jumplens.sae (or @sae) to steer features');
  if (prompt.length === 0) throw new Error('steer: the prompt up to the cursor has no tokens');
  const model = asSteerable(engine.model);
  // The document's hook: a `.jlp` @hook moves the SAE (and so the steering) off its own hook.
  const spec = { interventions: p.interventions.map(toEngine), fromPosition: p.fromPosition, hook: engine.hook };
  const t0 = performance.now();
  const r = steerGenerate(model, sae, prompt, spec, { steps: p.steps ?? DEFAULT_STEER_STEPS, temperature: p.temperature, topP: p.topP, seed: p.seed });
  const eff = nextTokenEffect(model, sae, prompt, prompt.length - 1, spec, STEER_TOP_TOKENS);
  const side = (ids: number[], tokens: string[]): SteerToken[] => ids.map((id, i) => ({ id, text: tokens[i], differs: r.differs[i] }));
  const features: SteerFeatureInfo[] = [...new Set(p.interventions.map((iv) => iv.feature))].map((f) => {
    const l = cachedFeatureLogits(engine, f, STEER_TOP_TOKENS);
    return { feature: f, label: engine.store?.label(f), maxAct: engine.store?.maxAct[f], promoted: l.promoted, suppressed: l.suppressed };
  });
  const shift = (s: { id: number; token: string; delta: number }) => ({ id: s.id, token: s.token, delta: s.delta });
  return {
    hook: r.hook,
    promptText: model.tokenizer.decode(prompt),
    promptTokens: prompt.length,
    unsteered: side(r.unsteered.ids, r.unsteered.tokens),
    steered: side(r.steered.ids, r.steered.tokens),
    firstDiff: r.firstDiff,
    features,
    nextToken: { kl: eff.kl, rises: eff.rises.map(shift), falls: eff.falls.map(shift) },
    interventions: p.interventions,
    ms: performance.now() - t0,
  };
}
