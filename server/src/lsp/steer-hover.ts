// The part of a token's hover that says its file is steered: the interventions, each intervened
// feature's clean and steered activation at this token, and how the interventions move the
// next-token distribution after it. Plain markdown, as hover.ts, for VS Code and Neovim alike.
import type { Intervention, NextTokenEffect } from '../engine/steer/types';
import { steeredValue } from '../engine/steer/steered-encode';
import { describeIntervention } from './steer-directives';

const tok = (s: string) => `\`${JSON.stringify(s).replace(/`/g, "'")}\``;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;

/**
 * `clean[j]` is interventions[j]'s clean activation at the token; `effect` the next-token shift
 * there (undefined when it could not be computed: `why` says so).
 */
export function steeredHoverMarkdown(o: {
  hook: string;
  interventions: readonly Intervention[];
  clean: readonly number[];
  effect?: Pick<NextTokenEffect, 'kl' | 'rises' | 'falls'>;
  why?: string;
}): string {
  const lines = [
    `**Steered file** (\`@steer\` / \`@ablate\` at \`${o.hook}\`, every token after BOS): ${o.interventions.map(describeIntervention).join(' · ')}`,
    '',
    '| feature | clean | steered |',
    '|---:|---:|---:|',
  ];
  o.interventions.forEach((iv, j) => {
    const c = o.clean[j] ?? 0;
    lines.push(`| #${iv.feature} | ${c.toFixed(3)} | ${steeredValue(iv, c).toFixed(3)} |`);
  });
  lines.push('');
  if (o.effect) {
    const e = o.effect;
    const rises = e.rises.slice(0, 3).map((s) => `${tok(s.token)} ${signed(s.delta)}`);
    const falls = e.falls.slice(0, 3).map((s) => `${tok(s.token)} ${signed(s.delta)}`);
    lines.push(`_Next token:_ KL(clean ‖ steered) **${e.kl.toPrecision(3)}** nats · log-prob ↑ ${rises.join(' ')} · ↓ ${falls.join(' ')}`);
  } else if (o.why) lines.push(`_Next-token effect unavailable: ${o.why}_`);
  return lines.join('\n');
}
