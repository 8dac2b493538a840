import type { Command } from 'commander';
import { describeBackend, initBackend } from '../engine/backend';
import { describeNative, nativeReport } from '../engine/native/describe';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('report the tensor backend chosen, versions, why faster ones were skipped, and whether native compute runs')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const report = await initBackend();
      const native = nativeReport();
      const info = { ...report, native, node: process.version, platform: `${process.platform}-${process.arch}` };
      if (opts.json) console.log(JSON.stringify(info, null, 2));
      else console.log(`${describeBackend(report)}\n${describeNative(native)}\nnode: ${info.node} on ${info.platform}`);
    });
}
