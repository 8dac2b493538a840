// `jumplens sweep` end to end on the real stories260K, scaled down: the lr search picks one of its
// lrs per architecture and the runs use it, every run has its held-out curve and eval, a finished
// sweep reruns without training, and a sweep stopped part-way resumes to the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../../../server/src/engine/backend';
import { loadLanguageModel } from '../../../../server/src/engine/train/model-loader';
import { runSweep } from '../../../../server/src/engine/train/sweep';
import { parseSweepConfig } from '../../../../protocol/sweep';
import { sharedFile, tempDir } from '../../../helpers/paths';

const HOOK = 'blocks.1.hook_resid_post';

function config(out: string) {
  return parseSweepConfig({
    model: sharedFile('models', 'stories260K.bin'),
    corpus: sharedFile('data', 'tinystories-train-first1000.json'),
    hooks: [HOOK],
    contextSize: 64,
    trainDocs: 12,
    activationCacheDir: path.join(out, 'cache'),
    workDir: path.join(out, 'work'),
    eval: { skipDocs: 900, tokens: 1500, lmSequences: 2, curveTokens: 500 },
    evalEvery: 10,
    common: { d_sae: 32, batchSize: 128, steps: 30, seed: 1, logEvery: 5, checkpointEvery: 10 },
    lrSearch: { hook: HOOK, lrs: [0.0003, 0.01], steps: 10 },
    runs: [
      { architecture: 'jumprelu', l0Coefficient: [0.003, 0.03] },
      { architecture: 'topk', k: 4 },
    ],
    out,
  });
}

test('a scaled-down frontier sweep: lr search, curves, evals, rerun without training, resume after a stop', async () => {
  await initBackend();
  const t = tempDir();
  const model = await loadLanguageModel(sharedFile('models', 'stories260K.bin'));
  try {
    const a = config(path.join(t.dir, 'a'));
    const rows = await runSweep(a, { model });
    assert.equal(rows.length, 3);
    const search = JSON.parse(readFileSync(path.join(a.out, 'lr-search.json'), 'utf8'));
    for (const label of ['jumprelu', 'topk']) {
      assert.ok([0.0003, 0.01].includes(search.chosen[label]), `${label}: ${search.chosen[label]}`);
      assert.equal(search.trials[label].length, 2);
      for (const r of rows.filter((x) => x.architecture === label)) assert.equal(r.lr, search.chosen[label], r.name);
    }
    for (const r of rows) {
      const dir = path.join(a.out, HOOK, r.name);
      const curve = JSON.parse(readFileSync(path.join(dir, 'curve.json'), 'utf8'));
      assert.deepEqual(
        curve.map((p: { step: number }) => p.step),
        [10, 20, 30],
        r.name,
      );
      assert.ok(existsSync(path.join(dir, 'eval.json')));
      assert.ok(Number.isFinite(r.delta_lm_loss) && r.delta_lm_loss > 0, `${r.name}: Δ LM loss ${r.delta_lm_loss}`);
      assert.equal(r.steps, 30);
    }
    assert.match(readFileSync(path.join(a.out, 'comparison.md'), 'utf8'), new RegExp(`### ${HOOK.replace(/\./g, '\\.')}`));
    assert.match(readFileSync(path.join(a.out, HOOK, 'pareto.svg'), 'utf8'), /^<svg/);
    assert.match(readFileSync(path.join(a.out, HOOK, 'curves.svg'), 'utf8'), /^<svg/);

    const again: string[] = [];
    const rerun = await runSweep(a, { model, log: (s) => again.push(s) });
    assert.ok(!again.some((s) => /in lockstep/.test(s)), `a finished sweep trained again: ${again.join(' | ')}`);
    assert.deepEqual(
      rerun.map((r) => r['metrics/fvu']),
      rows.map((r) => r['metrics/fvu']),
    );

    // Same sweep in another folder, stopped during the main runs (after the lr search's 10 steps),
    // then resumed: the same numbers as the uninterrupted one.
    const b = config(path.join(t.dir, 'b'));
    let polls = 0;
    const partial = await runSweep(b, { model, shouldStop: () => ++polls > 25 });
    assert.equal(partial.length, 0, 'stopped before any main run finished');
    const log: string[] = [];
    const resumed = await runSweep(b, { model, log: (s) => log.push(s) });
    assert.ok(
      log.some((s) => /resuming at steps/.test(s)),
      log.join(' | '),
    );
    for (const r of rows) {
      const o = resumed.find((x) => x.name === r.name)!;
      assert.equal(o['metrics/fvu'], r['metrics/fvu'], r.name);
      assert.equal(o.delta_lm_loss, r.delta_lm_loss, r.name);
    }
  } finally {
    model.dispose();
    t.cleanup();
  }
});
