// Steering latency on stories260K with the default SAE (blocks.2.hook_resid_post): a 40-token
// steered continuation (SAE spliced in, one feature clamped, KV cache) after a short prompt;
// target under 1 s. Also the full steer call (plain + steered) and one next-token effect.
import * as path from 'node:path';
import { loadModel } from '../server/src/engine/lm/load-model';
import { loadSae } from '../server/src/engine/sae/io';
import { continueTokens, steerGenerate } from '../server/src/engine/steer/generate';
import { nextTokenEffect } from '../server/src/engine/steer/logit-effects';
import { saeHookFor, steerStart, steeringFn } from '../server/src/engine/steer/splice';
import { asSteerable } from '../server/src/engine/steer/steerable';
import type { BenchRow } from './index';
import { SHARED, timeIt } from './timing';

export async function run(): Promise<BenchRow[]> {
  const m = asSteerable(await loadModel(path.join(SHARED, 'models', 'stories260K.bin')));
  const sae = await loadSae(path.resolve(__dirname, '..', 'assets', 'default-sae'));
  const prompt = m.tokenizer.encode('Once upon a time, there was a little girl named Lily. She loved to play').map((t) => t.id);
  const spec = { interventions: [{ feature: 209, mode: 'clamp' as const, value: 5 }] };
  const hook = saeHookFor(m, sae);
  const fn = steeringFn(sae, spec.interventions, steerStart(prompt, m.tokenizer.bosId, spec));
  const steps = 40;
  const rows: BenchRow[] = [];
  const msSteered = timeIt(() => continueTokens(m, prompt, { steps }, { hook, fn }), 5);
  rows.push({
    bench: 'steer',
    case: `stories260K + default SAE: ${steps}-token steered continuation (clamp #209, ${prompt.length}-token prompt)`,
    value: msSteered,
    unit: 'ms',
    extra: `target < 1000 ms; ${((steps / msSteered) * 1000).toFixed(0)} tok/s`,
  });
  const msBoth = timeIt(() => steerGenerate(m, sae, prompt, spec, { steps, temperature: 0.8, topP: 0.95, seed: 1 }), 3);
  rows.push({ bench: 'steer', case: `steerGenerate: unsteered + steered, ${steps} tokens each, sampled`, value: msBoth, unit: 'ms' });
  const msEffect = timeIt(() => nextTokenEffect(m, sae, prompt, prompt.length - 1, spec), 10);
  rows.push({ bench: 'steer', case: `next-token effect at position ${prompt.length - 1} (clean + steered pass, KL)`, value: msEffect, unit: 'ms' });
  sae.dispose();
  m.dispose();
  return rows;
}
