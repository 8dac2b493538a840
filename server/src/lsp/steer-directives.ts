// The `.jlp` steering directives: `@steer 209=5 840=0.5x` (clamp feature 209 to activation 5,
// scale 840 by 0.5) and `@ablate 840 841` (set them to 0). Unlike the other directives they
// accumulate: every item on every such line is one intervention on the file's SAE, applied at its
// hook to every prompt of the file; a feature given twice keeps its last item. Each item has its
// own range, so a bad one is underlined alone and the rest of the line still applies. Feature ids
// are checked against the loaded SAE's d_sae later (document-diagnostics.ts), the parser cannot know it.
import type { Intervention } from '../engine/steer/types';
import type { LineSpan, PromptProblem } from './prompt-file';

export type SteerDirective = 'steer' | 'ablate';

/** One intervention as written, with the range of its item (`209=5`) in the document. */
export interface FileIntervention extends Intervention {
  at: LineSpan;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const USAGE = '`209=5` clamps feature 209 to activation 5, `209=2x` scales it by 2';

/** How an intervention reads in messages and hovers: `#209 = 5`, `#209 × 2`, `#209 ablated`. */
export function describeIntervention(iv: Intervention): string {
  if (iv.mode === 'ablate') return `#${iv.feature} ablated`;
  return iv.mode === 'clamp' ? `#${iv.feature} = ${iv.value}` : `#${iv.feature} × ${iv.value}`;
}

function featureId(s: string): number | string {
  if (!/^\d+$/.test(s)) return `${JSON.stringify(s)} is not a feature id (a non-negative integer)`;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : `feature ${s} is too large`;
}

function parseItem(name: SteerDirective, item: string): Intervention | string {
  if (name === 'ablate') {
    if (item.includes('=')) return `@ablate takes feature ids only (\`@ablate 840 841\`); for ${JSON.stringify(item)} use @steer`;
    const f = featureId(item);
    return typeof f === 'string' ? f : { feature: f, mode: 'ablate' };
  }
  const eq = item.indexOf('=');
  if (eq < 0) return `${JSON.stringify(item)} needs a value: ${USAGE}`;
  const f = featureId(item.slice(0, eq));
  if (typeof f === 'string') return f;
  const raw = item.slice(eq + 1);
  const scale = /[x×]$/i.test(raw);
  const num = scale ? raw.slice(0, -1) : raw;
  if (num === '') return `feature ${f} needs a value after "=": ${USAGE}`;
  const v = NUMBER.test(num) ? Number(num) : Number.NaN;
  if (!Number.isFinite(v)) return `${JSON.stringify(raw)} is not a number (feature ${f}): ${USAGE}`;
  if (v < 0) {
    return scale
      ? `feature ${f}: the factor ${num} is negative (it would flip the feature's direction); use 0x or @ablate to remove it`
      : `feature ${f}: the activation ${num} is negative (JumpReLU activations are >= 0); use 0 or @ablate to remove it`;
  }
  return { feature: f, mode: scale ? 'scale' : 'clamp', value: v };
}

/**
 * The items of one `@steer` / `@ablate` line. `value` is the line's text after the directive name,
 * starting at column `valueStart` of line `line`.
 */
export function parseSteerLine(
  name: SteerDirective,
  value: string,
  line: number,
  valueStart: number,
): { items: FileIntervention[]; problems: PromptProblem[] } {
  const items: FileIntervention[] = [];
  const problems: PromptProblem[] = [];
  for (const m of value.matchAll(/\S+/g)) {
    const at = { line, start: valueStart + m.index, end: valueStart + m.index + m[0].length };
    const r = parseItem(name, m[0]);
    if (typeof r === 'string') problems.push({ ...at, severity: 'error', message: `${r}; this item is ignored` });
    else items.push({ ...r, at });
  }
  return { items, problems };
}

/**
 * Adds `items` to the file's interventions by feature (`byFeature` keeps insertion order); a feature
 * already there is replaced, with a warning on the new item that says which one wins.
 */
export function accumulate(byFeature: Map<number, FileIntervention>, items: FileIntervention[], problems: PromptProblem[]): void {
  for (const it of items) {
    const prev = byFeature.get(it.feature);
    if (prev) {
      problems.push({
        ...it.at,
        severity: 'warning',
        message: `feature ${it.feature} is already steered on line ${prev.at.line + 1} (${describeIntervention(prev)}); this one (${describeIntervention(it)}) wins`,
      });
      byFeature.delete(it.feature);
    }
    byFeature.set(it.feature, it);
  }
}

/** The interventions the loaded SAE can take: ids in 0..dSae-1 (the others get a diagnostic). */
export function usableInterventions(list: readonly FileIntervention[] | undefined, dSae: number | undefined): Intervention[] {
  if (!list || dSae === undefined) return [];
  return list.filter((iv) => iv.feature < dSae).map(({ feature, mode, value }) => (mode === 'ablate' ? { feature, mode } : { feature, mode, value }));
}
