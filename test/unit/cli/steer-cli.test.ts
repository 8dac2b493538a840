// `jumplens steer` end to end on stories260K + the default SAE, and its argument parsing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { markDiffs, parseInterventions } from '../../../server/src/cli/steer';
import { REPO_ROOT, sharedFile } from '../../helpers/paths';

const bin = path.join(REPO_ROOT, 'bin', 'jumplens');
function cli(...args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: REPO_ROOT });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

test('--feature specs: bare ids take --clamp/--scale/--ablate; id=v, id=Fx, id=ablate per feature', () => {
  assert.deepEqual(parseInterventions(['209'], { clamp: '5' }), [{ feature: 209, mode: 'clamp', value: 5 }]);
  assert.deepEqual(parseInterventions(['209', '840'], { ablate: true }), [
    { feature: 209, mode: 'ablate' },
    { feature: 840, mode: 'ablate' },
  ]);
  assert.deepEqual(parseInterventions(['209=2.5x', '3=-1', '7=ablate'], {}), [
    { feature: 209, mode: 'scale', value: 2.5 },
    { feature: 3, mode: 'clamp', value: -1 },
    { feature: 7, mode: 'ablate' },
  ]);
  assert.throws(() => parseInterventions(['209'], {}), /say what to do with it/);
  assert.throws(() => parseInterventions(['209'], { clamp: '1', ablate: true }), /at most one of/);
  assert.throws(() => parseInterventions(['x2'], { ablate: true }), /--feature x2: expected an id/);
  assert.throws(() => parseInterventions(['2=abc'], {}), /clamp abc: expected a number/);
  assert.throws(() => parseInterventions([], { ablate: true }), /at least one --feature/);
});

test('markDiffs brackets each run of differing tokens', () => {
  assert.equal(markDiffs([' a', ' b', ' c', ' d'], [false, true, true, false], false), ' a« b c» d');
  assert.equal(markDiffs(['x', 'y'], [true, false], true), '\x1b[7mx\x1b[0my');
});

test("jumplens steer --json: the unsteered continuation is lm generate's; ablation changes the steered one", () => {
  const model = sharedFile('models', 'stories260K.bin');
  const sae = path.join(REPO_ROOT, 'assets', 'default-sae');
  const text = 'Once upon a time, there was a little girl named Lily. She loved to play';
  const g = cli('lm', 'generate', model, '--text', text, '--steps', '20', '--json');
  assert.equal(g.code, 0, g.err);
  const r = cli('steer', '--model', model, '--sae', sae, '--text', text, '--feature', '113', '--ablate', '--steps', '20', '--json', '--top', '3');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  const gen = JSON.parse(g.out).ids as number[];
  assert.deepEqual(j.prompt.concat(j.unsteered.ids), gen);
  assert.ok(j.firstDiff >= 0 && j.steered.ids.length === 20);
  assert.equal(j.featureLogits[0].feature, 113);
  assert.equal(j.featureLogits[0].promoted.length, 3);
  assert.ok(j.nextToken.kl >= 0);
  const human = cli('steer', '--model', model, '--sae', sae, '--text', text, '--feature', '113=0x', '--steps', '20');
  assert.equal(human.code, 0, human.err);
  assert.match(human.out, /steering: +#113 scale 0x at blocks\.2\.hook_resid_post/);
  assert.match(human.out, /steered: .*«/);
  const bad = cli('steer', '--model', model, '--sae', sae, '--text', text, '--feature', '5000', '--ablate', '--steps', '2');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /feature 5000: expected an integer in 0\.\.1023/);
});
