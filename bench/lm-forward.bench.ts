// LM forward speed on the real stories260K: a 128-token prompt to blocks.3.hook_resid_post (the
// editor's per-document cost), one incremental token with the KV cache (the per-keystroke cost
// at the end of a prompt), and full-logit forward of a batch.
import * as path from 'node:path';
import { loadModel } from '../server/src/engine/lm/load-model';
import { tf } from '../server/src/engine/tf';
import type { BenchRow } from './index';
import { SHARED, timeIt } from './timing';

export async function run(): Promise<BenchRow[]> {
  const m = await loadModel(path.join(SHARED, 'models', 'stories260K.bin'));
  const text =
    'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends. One day, she saw a big red ball under a tree. She ran to it and picked it up. The ball was shiny and new. Lily was very happy and she';
  let ids = m.tokenizer.encode(text).map((t) => t.id);
  while (ids.length < 128) ids = ids.concat(ids.slice(1));
  ids = ids.slice(0, 128);
  const hook = 'blocks.3.hook_resid_post';
  const rows: BenchRow[] = [];
  const msHook = timeIt(() => tf.dispose(m.runToHook([ids], hook)), 20);
  rows.push({
    bench: 'lm-forward',
    case: `stories260K runToHook ${hook}, 128 tokens`,
    value: (128 / msHook) * 1000,
    unit: 'tok/s',
    extra: `${msHook.toFixed(2)} ms/pass`,
  });
  const msFull = timeIt(() => tf.dispose(m.forward([ids, ids, ids, ids])), 5);
  rows.push({
    bench: 'lm-forward',
    case: 'stories260K forward to logits, batch 4 x 128',
    value: (512 / msFull) * 1000,
    unit: 'tok/s',
    extra: `${msFull.toFixed(1)} ms/pass`,
  });
  // One more token after a cached 127-token prefix, truncating back each time.
  const pre = m.runToHookCached(ids.slice(0, 127), hook, undefined);
  tf.dispose(pre.act);
  const cache = pre.cache;
  const msInc = timeIt(() => {
    const r = m.runToHookCached(ids, hook, cache);
    tf.dispose(r.act);
    cache.truncate(127);
  }, 50);
  rows.push({
    bench: 'lm-forward',
    case: `stories260K incremental token at position 128 (${hook})`,
    value: msInc,
    unit: 'ms/token',
    extra: `${(msHook / msInc).toFixed(1)}x cheaper than a full 128-token pass`,
  });
  cache.dispose();
  m.dispose();
  return rows;
}
