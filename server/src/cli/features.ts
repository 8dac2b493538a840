// `jumplens features ...`: build and query feature stores (what the feature browser shows).
import type { Command } from 'commander';
import * as path from 'node:path';
import { initBackend } from '../engine/backend';
import { buildFeatureStore } from '../engine/features/build-feature-store';
import { FeatureStore } from '../engine/features/feature-store';
import { loadModel } from '../engine/lm/load-model';
import { loadSae } from '../engine/sae/io';
import { positiveInt } from './numeric-flags';

export function registerFeatures(program: Command): void {
  const features = program.command('features').description('feature stores: top activating contexts, densities, histograms, labels');

  features
    .command('build')
    .description('stream a corpus through model + SAE and store per-feature statistics (default: <sae>/features)')
    .requiredOption('--model <model>', 'model path or name')
    .requiredOption('--sae <path>', 'SAE folder or params.npz')
    .requiredOption('--corpus <path>', 'text corpus: file or folder')
    .option('--out <dir>', 'output folder')
    .option('--tokens <n>', 'tokens to read', positiveInt, 100_000)
    .option('--context <n>', 'context size', positiveInt, 128)
    .option('--top <n>', 'top contexts per feature', positiveInt, 20)
    .action(async (o: { model: string; sae: string; corpus: string; out?: string; tokens: number; context: number; top: number }) => {
      await initBackend();
      const model = await loadModel(o.model);
      const sae = await loadSae(o.sae);
      const out = o.out ?? path.join(o.sae, 'features');
      const t0 = performance.now();
      let last = 0;
      const r = await buildFeatureStore({
        model,
        sae,
        corpus: o.corpus,
        out,
        maxTokens: o.tokens,
        contextSize: o.context,
        nTop: o.top,
        saePath: o.sae,
        modelPath: o.model,
        onProgress: (done, total) => {
          if (done - last >= total / 10) {
            last = done;
            process.stderr.write(`${done}/${total} tokens\n`);
          }
        },
      });
      console.log(`wrote ${r.file}: ${r.tokens} tokens in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      sae.dispose();
      model.dispose();
    });

  features
    .command('show <dir> <feature>')
    .description('print one feature card (density, max, top contexts) as JSON')
    .action((dir: string, feature: string) => {
      const store = FeatureStore.open(dir);
      console.log(JSON.stringify(store.card(Number(feature)), null, 2));
    });

  features
    .command('label <dir> <feature> <label>')
    .description('set a feature label ("" clears it)')
    .action((dir: string, feature: string, label: string) => {
      FeatureStore.open(dir).setLabel(Number(feature), label);
    });

  features
    .command('import-labels <dir> <file>')
    .description('import labels from a Neuronpedia-style explanations JSON export')
    .action((dir: string, file: string) => {
      console.log(`imported ${FeatureStore.open(dir).importNeuronpedia(file)} labels`);
    });
}
