// A token's whole hover: its features (hover.ts), in a steered file the steering section
// (steer-hover.ts, whose next-token effect runs the model twice), and the top features' logit
// effects. The steering section is built once per analysed version and token (hovering the same
// token again is a lookup); the rest is cheap and reads labels live, so an edited label shows.
import type { TokenFeatures } from '../../../protocol';
import { cachedFeatureLogits, fileNextTokenEffect } from '../session/steering';
import type { Engine } from '../session/engine-session';
import type { DocumentAnalysis } from './document-analysis';
import { hoverMarkdown, logitEffectsMarkdown } from './hover';
import { steeredHoverMarkdown } from './steer-hover';

/** Per analysis result (a new one per analysed version): each token's steering section. */
const steerSections = new WeakMap<object, Map<number, string>>();

/** Markdown for token `i` (= `t`) of `analysis.last`. */
export function tokenHoverMarkdown(t: TokenFeatures, i: number, analysis: DocumentAnalysis): string {
  const e = analysis.engine;
  const parts = [hoverMarkdown(t, { store: e.store, hook: e.hook, sae: e.sae !== undefined })];
  const steer = steerSection(i, analysis);
  if (steer) parts.push(steer);
  // The top features' promoted/suppressed tokens, cached per SAE and feature (session/steering.ts).
  const effects = e.sae
    ? logitEffects(
        e,
        t.top.map((f) => f.id),
      )
    : '';
  if (effects) parts.push(effects);
  return parts.join('\n\n');
}

/** The steering section of token i's hover, or '' in an unsteered file; cached (labels, which may change, are not in it). */
function steerSection(i: number, analysis: DocumentAnalysis): string {
  const e = analysis.engine;
  const last = analysis.last;
  if (!e.sae || analysis.steer.length === 0 || !last) return '';
  let m = steerSections.get(last);
  if (!m) steerSections.set(last, (m = new Map()));
  let md = m.get(i);
  if (md !== undefined) return md;
  const at = analysis.steeredAt(i);
  md = '';
  if (at) {
    let effect: ReturnType<typeof fileNextTokenEffect> | undefined;
    let why: string | undefined;
    try {
      effect = fileNextTokenEffect(e, at.ids, at.position, analysis.steer);
    } catch (err) {
      why = err instanceof Error ? err.message : String(err);
    }
    md = steeredHoverMarkdown({ hook: e.hook, interventions: analysis.steer, clean: at.clean, effect, why });
  }
  m.set(i, md);
  return md;
}

/** The hover's logit-effects lines; a model the steer engine cannot splice into gets none rather than a failed hover. */
function logitEffects(e: Engine, features: number[]): string {
  try {
    return logitEffectsMarkdown(features.map((f) => cachedFeatureLogits(e, f, 3)));
  } catch {
    return '';
  }
}
