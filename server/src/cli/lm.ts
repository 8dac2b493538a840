// `jumplens lm ...` (info, tokenize, run, generate, eval) and the top-level `jumplens pull`.
import type { Command } from 'commander';
import * as path from 'node:path';
import { pull, resolvePull } from '../engine/hub/pull';
import { readCorpus } from '../engine/data/corpus';
import { evaluateLoss } from '../engine/lm/eval';
import { greedyGenerate } from '../engine/lm/generate';
import { loadModel, resolveModelPath } from '../engine/lm/load-model';
import { modelsDir } from '../engine/lm/models-dir';
import { writeNpy } from '../engine/io/npy';
import { tf } from '../engine/tf';
import { nonNegativeInt, numberFlag, positiveInt } from './numeric-flags';

interface ModelOpts {
  tokenizer?: string;
}

function tokenIds(model: Awaited<ReturnType<typeof loadModel>>, text: string, bos: boolean): number[] {
  const ids = model.tokenizer.encode(text, { bos }).map((t) => t.id);
  if (ids.length === 0) throw new Error('the text gave no tokens');
  return ids;
}

export function registerLm(program: Command): void {
  const lm = program.command('lm').description('run language models: inspect, tokenize, hook activations, generate, evaluate');

  lm.command('info <model>')
    .description('print the configuration, tokenizer and hook points of a model (path or name under the models folder)')
    .option('--tokenizer <file>', 'tokenizer.bin for a llama2.c checkpoint (default: tok{vocab}.bin beside it)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: ModelOpts & { json?: boolean }) => {
      const m = await loadModel(name, o);
      const info = {
        path: resolveModelPath(name),
        ...m.config,
        tokenizer: { vocabSize: m.tokenizer.vocabSize, bosId: m.tokenizer.bosId, eosId: m.tokenizer.eosId },
        hooks: m.hookNames(),
      };
      if (o.json) console.log(JSON.stringify(info, null, 2));
      else {
        const { hooks, tokenizer, ...rest } = info;
        for (const [k, v] of Object.entries(rest)) console.log(`${k}: ${v}`);
        console.log(`tokenizer: vocab ${tokenizer.vocabSize}, bos ${tokenizer.bosId}, eos ${tokenizer.eosId}`);
        console.log(`hooks (${hooks.length}): ${hooks[0]}, ${hooks[1]} ... ${hooks[hooks.length - 1]}`);
      }
      m.dispose();
    });

  lm.command('tokenize <model> <text>')
    .description('token ids, pieces and UTF-16 offsets of a text')
    .option('--tokenizer <file>', 'tokenizer.bin for a llama2.c checkpoint')
    .option('--no-bos', 'do not prepend BOS')
    .option('--json', 'print JSON')
    .action(async (name: string, text: string, o: ModelOpts & { bos: boolean; json?: boolean }) => {
      const m = await loadModel(name, o);
      const spans = m.tokenizer.encode(text, { bos: o.bos });
      if (o.json) {
        console.log(
          JSON.stringify({
            ids: spans.map((s) => s.id),
            tokens: spans.map((s) => s.text),
            offsets: spans.map((s) => [s.start, s.end]),
            pieces: spans.map((s) => m.tokenizer.idToPiece(s.id)),
          }),
        );
      } else {
        for (const s of spans) console.log(`${String(s.id).padStart(6)}  [${s.start}, ${s.end})  ${JSON.stringify(s.text)}`);
      }
      m.dispose();
    });

  lm.command('run <model>')
    .description('run a forward pass; optionally save the activation at a hook and/or the logits as .npy')
    .requiredOption('--text <text>', 'input text')
    .option('--tokenizer <file>', 'tokenizer.bin for a llama2.c checkpoint')
    .option('--hook <name>', 'TransformerLens hook name, e.g. blocks.3.hook_resid_post')
    .option('--out <file>', 'write the hook activation [seq, d] as .npy')
    .option('--logits <file>', 'write the logits [seq, vocab] as .npy')
    .option('--no-bos', 'do not prepend BOS')
    .action(async (name: string, o: ModelOpts & { text: string; hook?: string; out?: string; logits?: string; bos: boolean }) => {
      if (o.out && !o.hook) throw new Error('--out needs --hook');
      const m = await loadModel(name, o);
      const ids = tokenIds(m, o.text, o.bos);
      console.log(`${ids.length} tokens: ${ids.join(' ')}`);
      if (o.hook) {
        const t0 = performance.now();
        const act = m.runToHook([ids], o.hook);
        const data = act.dataSync() as Float32Array;
        const ms = performance.now() - t0;
        const normT = tf.norm(act, 'euclidean', -1);
        const norms = normT.dataSync();
        normT.dispose();
        console.log(`${o.hook}: [${act.shape.join(', ')}] in ${ms.toFixed(1)} ms; per-token L2 norm ${Array.from(norms, (x) => x.toFixed(3)).join(' ')}`);
        if (o.out) {
          writeNpy(o.out, data, [act.shape[1], act.shape[2]]);
          console.log(`wrote ${o.out}`);
        }
        act.dispose();
      }
      if (o.logits || !o.hook) {
        const logits = m.forward([ids]);
        const topT = tf.argMax(logits, -1);
        const top = topT.dataSync();
        topT.dispose();
        console.log(`logits: [${logits.shape.join(', ')}]; argmax next tokens: ${Array.from(top).join(' ')}`);
        if (o.logits) {
          writeNpy(o.logits, logits.dataSync() as Float32Array, [logits.shape[1], logits.shape[2]]);
          console.log(`wrote ${o.logits}`);
        }
        logits.dispose();
      }
      m.dispose();
    });

  lm.command('generate <model>')
    .description('greedy (argmax) generation, to compare with a reference implementation')
    .requiredOption('--text <text>', 'prompt')
    .option('--steps <n>', 'tokens to generate', nonNegativeInt, 32)
    .option('--tokenizer <file>', 'tokenizer.bin for a llama2.c checkpoint')
    .option('--no-cache', 'recompute the whole prefix every step')
    .option('--json', 'print JSON')
    .action(async (name: string, o: ModelOpts & { text: string; steps: number; cache: boolean; json?: boolean }) => {
      const steps = Number(o.steps);
      if (!Number.isInteger(steps) || steps < 0) throw new Error(`--steps ${o.steps}: expected a non-negative integer`);
      const m = await loadModel(name, o);
      const prompt = tokenIds(m, o.text, true);
      const t0 = performance.now();
      const ids = greedyGenerate(m, prompt, steps, { cache: o.cache });
      const s = (performance.now() - t0) / 1000;
      const text = m.tokenizer.decode(ids);
      if (o.json) console.log(JSON.stringify({ ids, text }));
      else {
        console.log(text);
        console.log(`ids: ${ids.join(' ')}`);
        console.error(`${ids.length - prompt.length} tokens in ${s.toFixed(2)} s (${((ids.length - prompt.length) / s).toFixed(1)} tok/s)`);
      }
      m.dispose();
    });

  lm.command('eval <model>')
    .description('mean next-token cross-entropy (nats) on a held-out slice: the last --docs documents of a corpus')
    .requiredOption('--corpus <file>', 'corpus file or folder (.json array, .jsonl, .txt)')
    .option('--docs <n>', 'number of documents from the end of the corpus', positiveInt, 50)
    .option('--max-tokens <n>', 'stop after scoring this many tokens', positiveInt)
    .option('--context <n>', 'window length in tokens', numberFlag({ int: true, min: 2 }), 256)
    .option('--tokenizer <file>', 'tokenizer.bin for a llama2.c checkpoint')
    .action(async (name: string, o: ModelOpts & { corpus: string; docs: number; maxTokens?: number; context: number }) => {
      const m = await loadModel(name, o);
      let total = 0;
      for (const _ of readCorpus(o.corpus)) total++;
      const take = Math.min(Number(o.docs), total);
      const docs = readCorpus(o.corpus, { skipDocs: total - take });
      const t0 = performance.now();
      const r = evaluateLoss(m, docs, { context: Number(o.context), maxTokens: o.maxTokens ? Number(o.maxTokens) : undefined });
      const s = (performance.now() - t0) / 1000;
      console.log(`corpus: ${o.corpus} (documents ${total - take}..${total - 1} of ${total}; ${r.docs} used)`);
      console.log(`tokens scored: ${r.tokens}, context ${o.context}, ${(r.tokens / s).toFixed(0)} tok/s`);
      console.log(`mean next-token cross-entropy: ${r.meanCe.toFixed(4)} nats (perplexity ${Math.exp(r.meanCe).toFixed(3)})`);
      m.dispose();
    });

  program
    .command('pull <name>')
    .description(
      'download a known checkpoint from the Hugging Face Hub into the models folder (stories260K, stories15M, gpt2, gemma-2-2b, gemma-scope-<release>/<path>)',
    )
    .option('--dir <dir>', 'models folder (default: JUMPLENS_MODELS or <repo>/models)')
    .option('--force', 'download again even if present')
    .option('--dry-run', 'print what would be downloaded')
    .action(async (name: string, o: { dir?: string; force?: boolean; dryRun?: boolean }) => {
      const dir = path.resolve(o.dir ?? modelsDir());
      if (o.dryRun) {
        const plan = resolvePull(name);
        console.log(`${plan.repo} -> ${dir}`);
        for (const f of plan.files) console.log(`  ${f.source} -> ${f.target}`);
        if (plan.listUnder) console.log(`  (files under "${plan.listUnder.prefix}" listed at pull time) -> ${plan.listUnder.targetDir}`);
        return;
      }
      const r = await pull(name, {
        dir,
        force: o.force,
        onFile: (f, s) => s !== 'done' && console.error(`${s === 'present' ? 'present    ' : 'downloading'} ${f.target}`),
      });
      console.log(
        `${r.filter((x) => x.status === 'downloaded').length} downloaded, ${r.filter((x) => x.status === 'present').length} already present in ${dir}`,
      );
    });
}
