// `jumplens train | eval | sweep | sweep-threshold`: training SAEs the paper's way and drawing the
// sparsity-fidelity frontier. All work happens in server/src/engine/{train,eval}; this file parses
// flags, draws progress bars and handles Ctrl-C (which checkpoints the run).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { initBackend } from '../engine/backend';
import { writeJsonAtomic } from '../engine/io/atomic-write';
import { runTraining } from '../engine/train/pipeline';
import { ARCHITECTURE_INFO, CLI_ARCH_NAMES, canonicalArchitecture, parseTrainConfig, type TrainProgressEvent } from '../../../protocol/train';
import { runSweep } from '../engine/train/sweep';
import { parseSweepConfig } from '../../../protocol/sweep';
import { evalCommand, sweepThreshold } from '../engine/eval/eval-command';
import { writeTrainingCurves } from '../engine/eval/plots';
import { nonNegativeInt, positiveInt, trainFlag } from './numeric-flags';

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: cannot read JSON config (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** `--arch` values: every registered architecture and its aliases (protocol/train.ts). */
export const ARCH_CHOICES = CLI_ARCH_NAMES;

function archOf(name: unknown, where: string): string {
  const a = typeof name === 'string' ? canonicalArchitecture(name) : undefined;
  if (!a) throw new Error(`${where}: unknown architecture ${JSON.stringify(name)} (${ARCH_CHOICES.join(', ')})`);
  return a;
}

function progressBar(label: string): { update: (e: TrainProgressEvent) => void; stop: () => void } {
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total} | L0 {l0} | EV {ev} | mse {mse} | dead {dead}`, hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (e) => {
      const payload = {
        l0: e['metrics/l0'].toFixed(1),
        ev: e['metrics/explained_variance'].toFixed(3),
        mse: e['losses/mse_loss'].toFixed(4),
        dead: e['sparsity/dead_features'],
      };
      if (!started) {
        bar.start(e.totalSteps, e.step, payload);
        started = true;
      } else bar.update(e.step, payload);
    },
    stop: () => started && bar.stop(),
  };
}

/** Ctrl-C sets a flag the training loop polls; a second Ctrl-C exits at once. */
function stopOnSigint(): { shouldStop: () => boolean; dispose: () => void } {
  let stop = false;
  const handler = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping: writing a checkpoint (Ctrl-C again to abort)\n');
  };
  process.on('SIGINT', handler);
  return { shouldStop: () => stop, dispose: () => process.off('SIGINT', handler) };
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a JumpReLU (or ReLU, Gated, TopK, BatchTopK) SAE on a model hook or on a .npy of activations')
    .option('--config <file>', 'run.json with TrainConfig fields (flags override it)')
    .option('--model <path>', 'language model (e.g. stories260K.bin)')
    .option('--hook <name>', 'TransformerLens hook name, e.g. blocks.2.hook_resid_post')
    .option('--corpus <path>', 'text file, folder, JSON or JSONL')
    .option('--activations <file>', '.npy [n, d_in] or .safetensors activations instead of a model')
    .option('--activation-cache <file>', 'cache the model activations here (.safetensors) and reuse them')
    .option('--arch <name>', ARCH_CHOICES.join(' | '))
    .option('--d-sae <n>', 'number of latents', trainFlag('d_sae'))
    .option('--l0-coefficient <x>', 'λ (JumpReLU L0; L1 for relu/gated)', trainFlag('l0Coefficient'))
    .option('--k <n>', 'TopK / BatchTopK k', trainFlag('k'))
    .option('--lr <x>', 'learning rate', trainFlag('lr'))
    .option('--batch-size <n>', 'activations per step', trainFlag('batchSize'))
    .option('--steps <n>', 'optimisation steps', trainFlag('steps'))
    .option('--tokens <n>', 'training tokens (steps = tokens / batch size)', trainFlag('trainTokens'))
    .option('--context-size <n>', 'tokens per sequence, BOS included', trainFlag('contextSize'))
    .option('--seed <n>', 'seed for init and shuffling', trainFlag('seed'))
    .option('--out <dir>', 'output directory')
    .option('--init-from <dir>', 'fine-tune this JumpReLU SAE directory (SAELens layout)')
    .option('--thresholds-only', 'with --init-from: train the thresholds alone')
    .option('--resume <dir>', 'continue the run checkpointed in <dir>')
    .option('--json', 'print progress events as JSON lines instead of a bar')
    .action(async (o: Record<string, unknown>) => {
      await initBackend();
      const source = o.resume ? `${o.resume}/run.json` : o.config ? (o.config as string) : undefined;
      const cfg: Record<string, unknown> = source ? readJson(source) : {};
      const flag = (k: string, v: unknown) => v !== undefined && (cfg[k] = v);
      flag('model', o.model);
      flag('hook', o.hook);
      flag('corpus', o.corpus);
      flag('activations', o.activations);
      flag('activationCache', o.activationCache);
      if (o.arch) cfg.architecture = archOf(o.arch, 'train: --arch');
      else if (cfg.architecture !== undefined) cfg.architecture = archOf(cfg.architecture, `${source}: field "architecture"`);
      else throw new Error('train: give --arch (or "architecture" in --config)');
      flag('d_sae', o.dSae);
      flag(ARCHITECTURE_INFO[cfg.architecture as keyof typeof ARCHITECTURE_INFO].sparsityField ?? 'l0Coefficient', o.l0Coefficient);
      flag('k', o.k);
      flag('lr', o.lr);
      flag('batchSize', o.batchSize);
      flag('steps', o.steps);
      flag('trainTokens', o.tokens);
      flag('contextSize', o.contextSize);
      flag('seed', o.seed);
      flag('initFrom', o.initFrom);
      flag('thresholdsOnly', o.thresholdsOnly);
      flag('out', o.resume ?? o.out);
      if (!cfg.out) throw new Error('train: give --out <dir> (or "out" in --config)');
      // Flags and file together, checked against protocol/train.ts's schema; lr, batch size and seed default there.
      const trainCfg = parseTrainConfig(cfg, source ?? 'train');
      writeJsonAtomic(`${trainCfg.out}/run.json`, trainCfg);
      const sig = stopOnSigint();
      const bar = o.json ? undefined : progressBar(trainCfg.architecture);
      try {
        const run = await runTraining(trainCfg, {
          resume: Boolean(o.resume),
          shouldStop: sig.shouldStop,
          onProgress: (e) => (o.json ? console.log(JSON.stringify(e)) : bar!.update(e)),
          onCollect: o.json ? undefined : (n) => process.stderr.write(`\ractivations: ${n} tokens`),
        });
        bar?.stop();
        if (run.stopped) console.error(`stopped at step ${run.steps}; resume with: jumplens train --resume ${run.out}`);
        else {
          await writeTrainingCurves(run.out);
          console.error(
            `wrote ${run.out} (L0 ${run.metrics['metrics/l0']?.toFixed(2)}, explained variance ${run.metrics['metrics/explained_variance']?.toFixed(4)})`,
          );
        }
        run.dispose();
      } finally {
        sig.dispose();
      }
    });

  program
    .command('eval')
    .description('evaluate an SAE: L0, MSE, FVU, delta LM loss, loss recovered, feature frequencies')
    .requiredOption('--model <path>', 'language model')
    .requiredOption('--sae <dir>', 'SAE directory (cfg.json + sae_weights.safetensors)')
    .requiredOption('--corpus <path>', 'evaluation text')
    .option('--hook <name>', 'hook (default: the SAE cfg metadata.hook_name)')
    .option('--tokens <n>', 'evaluation tokens', positiveInt, 50000)
    .option('--context-size <n>', 'tokens per sequence (default: the SAE cfg context_size or 256)', trainFlag('contextSize'))
    .option('--skip-docs <n>', 'skip the first N documents (held-out tail)', nonNegativeInt)
    .option('--json', 'print JSON')
    .action(
      async (o: { model: string; sae: string; corpus: string; hook?: string; tokens: number; contextSize?: number; skipDocs?: number; json?: boolean }) => {
        await initBackend();
        const r = await evalCommand(o);
        console.log(
          o.json
            ? JSON.stringify(r, null, 2)
            : Object.entries(r.metrics)
                .map(([k, v]) => `${k.padEnd(28)} ${v}`)
                .join('\n'),
        );
      },
    );

  program
    .command('sweep')
    .description(
      'the frontier: architectures × sparsity levels × sites, each site trained in lockstep on one activation stream; resumable; writes frontier.json/.csv, comparison.md and plots',
    )
    .requiredOption('--config <file>', 'sweep.json')
    .option('--out <dir>', 'output directory (overrides the config)')
    .option('--hook <name...>', 'only these sites of the config')
    .action(async (o: { config: string; out?: string; hook?: string[] }) => {
      const cfg = parseSweepConfig(readJson(o.config), o.config);
      if (o.out) cfg.out = o.out;
      await initBackend();
      const sig = stopOnSigint();
      try {
        await runSweep(cfg, { log: (s) => console.error(s), shouldStop: sig.shouldStop, hooks: o.hook });
      } finally {
        sig.dispose();
      }
    });

  program
    .command('sweep-threshold')
    .description("rescale a JumpReLU SAE's thresholds and report the L0 / FVU / delta-loss curve without retraining")
    .requiredOption('--sae <dir>', 'JumpReLU SAE directory')
    .requiredOption('--model <path>', 'language model')
    .requiredOption('--corpus <path>', 'evaluation text')
    .option('--scales <list>', 'threshold multipliers', '0.5,0.75,1,1.5,2')
    .option('--tokens <n>', 'evaluation tokens', positiveInt, 50000)
    .option('--skip-docs <n>', 'skip the first N documents (held-out tail)', nonNegativeInt)
    .option('--out <dir>', 'write threshold-sweep.json/.csv/.svg here')
    .option('--json', 'print JSON')
    .action(async (o: { sae: string; model: string; corpus: string; scales: string; tokens: number; skipDocs?: number; out?: string; json?: boolean }) => {
      await initBackend();
      const scales = o.scales.split(',').map(Number);
      if (!scales.length || !scales.every((x) => Number.isFinite(x) && x > 0))
        throw new Error(`--scales ${o.scales}: expected a comma-separated list of positive numbers`);
      const rows = await sweepThreshold({ ...o, scales });
      if (o.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`scale ${r.scale}\tL0 ${r.l0.toFixed(2)}\tFVU ${r.fvu.toFixed(4)}\tdelta LM loss ${r.delta_lm_loss.toFixed(4)}`);
    });
}
