// The `jumplens` command line. Each command group lives in its own module and registers itself
// here; all of them run the same engine code the daemon runs.
import { Command } from 'commander';
import { registerDoctor } from './doctor';
import { registerSae } from './sae';
import { registerLm } from './lm';
import { registerTrain } from './train';
import { registerDaemon } from './daemon';
import { registerFeatures } from './features';
import { registerSteer } from './steer';

export function buildProgram(): Command {
  const program = new Command('jumplens')
    .description('JumpReLU sparse autoencoders: inspect, encode, train and serve them')
    .showHelpAfterError()
    .version(require('../../../package.json').version);
  registerDoctor(program);
  registerSae(program);
  registerLm(program);
  registerTrain(program);
  registerFeatures(program);
  registerSteer(program);
  registerDaemon(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    // Engine errors already name the file and the problem; a stack trace adds nothing for a user.
    console.error(`jumplens: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.JUMPLENS_DEBUG) console.error(e);
    process.exitCode = 1;
  }
}
