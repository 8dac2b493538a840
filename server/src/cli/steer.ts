// `jumplens steer`: continue a prompt with and without interventions on SAE features (clamp, scale,
// ablate), showing both continuations with the differing tokens marked, the features' promoted and
// suppressed tokens, and the effect on the next token after the prompt.
import type { Command } from 'commander';
import { initBackend } from '../engine/backend';
import { loadModel } from '../engine/lm/load-model';
import { loadSae } from '../engine/sae/io';
import { steerGenerate } from '../engine/steer/generate';
import { featureLogits, nextTokenEffect } from '../engine/steer/logit-effects';
import { asSteerable } from '../engine/steer/steerable';
import type { Intervention, SteerResult, TokenLogit, TokenShift } from '../engine/steer/types';

interface SteerOpts {
  model: string;
  sae: string;
  text: string;
  tokenizer?: string;
  feature: string[];
  clamp?: string;
  scale?: string;
  ablate?: boolean;
  fromPosition?: string;
  steps: string;
  temperature: string;
  topP: string;
  seed: string;
  top: string;
  json?: boolean;
}

function num(flag: string, v: string, check: (x: number) => boolean = Number.isFinite, want = 'a number'): number {
  const x = Number(v);
  if (v.trim() === '' || !check(x)) throw new Error(`${flag} ${v}: expected ${want}`);
  return x;
}

const isCount = (x: number) => Number.isInteger(x) && x >= 0;

/**
 * `--feature` values: `209` takes the mode of --clamp V / --scale F / --ablate; `209=5` clamps to 5,
 * `209=2x` scales by 2, `209=ablate` (or `209=0x`) ablates, as the `.jlp` directives write them.
 */
export function parseInterventions(specs: string[], o: { clamp?: string; scale?: string; ablate?: boolean }): Intervention[] {
  const modes = [o.clamp !== undefined, o.scale !== undefined, !!o.ablate].filter(Boolean).length;
  if (modes > 1) throw new Error('give at most one of --clamp, --scale, --ablate (per-feature values: --feature 209=5, 209=2x, 209=ablate)');
  if (specs.length === 0) throw new Error('give at least one --feature (e.g. --feature 209 --clamp 5)');
  return specs.map((spec) => {
    const m = /^(\d+)(?:=(.+))?$/.exec(spec.trim());
    if (!m) throw new Error(`--feature ${spec}: expected an id (209) or id=value (209=5, 209=2x, 209=ablate)`);
    const feature = Number(m[1]);
    const v = m[2]?.trim();
    if (v === undefined) {
      if (o.clamp !== undefined) return { feature, mode: 'clamp', value: num('--clamp', o.clamp) };
      if (o.scale !== undefined) return { feature, mode: 'scale', value: num('--scale', o.scale) };
      if (o.ablate) return { feature, mode: 'ablate' };
      throw new Error(`--feature ${spec}: say what to do with it: --clamp V, --scale F, --ablate, or ${feature}=V / ${feature}=Fx / ${feature}=ablate`);
    }
    if (v === 'ablate') return { feature, mode: 'ablate' };
    if (/x$/i.test(v)) return { feature, mode: 'scale', value: num(`--feature ${spec}: scale`, v.slice(0, -1)) };
    return { feature, mode: 'clamp', value: num(`--feature ${spec}: clamp`, v) };
  });
}

/** The continuation's tokens with runs that differ from the other continuation marked «like this». */
export function markDiffs(tokens: string[], differs: boolean[], tty: boolean): string {
  const [open, close] = tty ? ['\x1b[7m', '\x1b[0m'] : ['«', '»'];
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const d = differs[i];
    if (d && !differs[i - 1]) out += open;
    out += tokens[i];
    if (d && !differs[i + 1]) out += close;
  }
  return out;
}

const describe = (iv: Intervention) => `#${iv.feature} ${iv.mode === 'ablate' ? 'ablate' : iv.mode === 'clamp' ? `clamp ${iv.value}` : `scale ${iv.value}x`}`;
const tokList = (ts: TokenLogit[]) => ts.map((t) => `${JSON.stringify(t.token)} ${t.logit.toFixed(2)}`).join(', ');
const shiftList = (ts: TokenShift[]) => ts.map((t) => `${JSON.stringify(t.token)} ${t.delta >= 0 ? '+' : ''}${t.delta.toFixed(2)}`).join(', ');

function printHuman(
  r: SteerResult,
  interventions: Intervention[],
  logits: ReturnType<typeof featureLogits>,
  effect: ReturnType<typeof nextTokenEffect>,
  promptText: string,
): void {
  const tty = !!process.stdout.isTTY;
  console.log(`prompt:    ${promptText}`);
  console.log(`steering:  ${interventions.map(describe).join(', ')} at ${r.hook}`);
  console.log(`unsteered: ${markDiffs(r.unsteered.tokens, r.differs, tty)}`);
  console.log(`steered:   ${markDiffs(r.steered.tokens, r.differs, tty)}`);
  const nd = r.differs.filter(Boolean).length;
  console.log(r.firstDiff < 0 ? 'the continuations are identical' : `${nd} of ${r.differs.length} tokens differ, the first at generated token ${r.firstDiff}`);
  for (const l of logits) {
    console.log(`#${l.feature} promotes:   ${tokList(l.promoted)}`);
    console.log(`#${l.feature} suppresses: ${tokList(l.suppressed)}`);
  }
  console.log(
    `next token after the prompt (position ${effect.position}): KL ${effect.kl.toFixed(4)} nats; rises ${shiftList(effect.rises)}; falls ${shiftList(effect.falls)}`,
  );
}

export function registerSteer(program: Command): void {
  program
    .command('steer')
    .description('continue a prompt with and without interventions on SAE features (clamp, scale, ablate) and compare')
    .requiredOption('--model <model>', 'model path or name under the models folder')
    .requiredOption('--sae <path>', 'SAE folder or params.npz (spliced in at its hook)')
    .requiredOption('--text <text>', 'prompt')
    .option('--tokenizer <file>', 'tokenizer.bin for a llama2.c checkpoint')
    .option(
      '--feature <id[=v]>',
      'feature to steer (repeatable): 209 with --clamp/--scale/--ablate, or 209=5, 209=2x, 209=ablate',
      (v: string, acc: string[]) => acc.concat(v),
      [],
    )
    .option('--clamp <value>', "set the features' activation to this value")
    .option('--scale <factor>', "multiply the features' activation by this factor")
    .option('--ablate', "set the features' activation to 0")
    .option('--from-position <n>', 'first token position to steer (default: every position after BOS)')
    .option('--steps <n>', 'tokens to generate', '40')
    .option('--temperature <t>', '0 = greedy; > 0 samples', '0')
    .option('--top-p <p>', 'nucleus sampling mass', '1')
    .option('--seed <n>', 'sampling seed (both continuations draw the same numbers)', '0')
    .option('--top <k>', 'promoted/suppressed and next-token rows to show', '8')
    .option('--json', 'print JSON')
    .action(async (o: SteerOpts) => {
      const interventions = parseInterventions(o.feature, o);
      const decoding = {
        steps: num('--steps', o.steps, isCount, 'a non-negative integer'),
        temperature: num('--temperature', o.temperature, (x) => Number.isFinite(x) && x >= 0, 'a number >= 0'),
        topP: num('--top-p', o.topP, (x) => x > 0 && x <= 1, 'a number in (0, 1]'),
        seed: num('--seed', o.seed, Number.isInteger, 'an integer'),
      };
      const spec = {
        interventions,
        fromPosition: o.fromPosition === undefined ? undefined : num('--from-position', o.fromPosition, isCount, 'a non-negative integer'),
      };
      const k = num('--top', o.top, isCount, 'a non-negative integer');
      await initBackend();
      const model = asSteerable(await loadModel(o.model, o));
      const sae = await loadSae(o.sae);
      try {
        const prompt = model.tokenizer.encode(o.text).map((t) => t.id);
        const t0 = performance.now();
        const r = steerGenerate(model, sae, prompt, spec, decoding);
        const ms = performance.now() - t0;
        const logits = featureLogits(
          model,
          sae,
          interventions.map((iv) => iv.feature),
          k,
        );
        const effect = nextTokenEffect(model, sae, prompt, prompt.length - 1, spec, k);
        if (o.json) console.log(JSON.stringify({ ...r, interventions, decoding, featureLogits: logits, nextToken: effect }));
        else {
          printHuman(r, interventions, logits, effect, o.text);
          console.error(`2 x ${r.steered.ids.length} tokens in ${(ms / 1000).toFixed(2)} s`);
        }
      } finally {
        sae.dispose();
        model.dispose();
      }
    });
}
