// Commander argument parsers for numeric flags: `--batch-size 0`, `--lr fast` or `--batch 0` fail
// at parse time with the range they need, instead of training NaNs or looping forever. Training
// flags take their ranges from the engine's TRAIN_FIELD_BOUNDS (one source for each range).
import { InvalidArgumentError } from 'commander';
import { describeBound, inBound, TRAIN_FIELD_BOUNDS } from '../engine/train/config-bounds';

type Bound = Parameters<typeof inBound>[1];

export function numberFlag(b: Bound): (v: string) => number {
  return (v: string) => {
    const n = v.trim() === '' ? NaN : Number(v);
    if (!inBound(n, b)) throw new InvalidArgumentError(`must be ${describeBound(b)}.`);
    return n;
  };
}

/** The parser for a TrainConfig field's flag, e.g. trainFlag('batchSize'). */
export function trainFlag(field: keyof typeof TRAIN_FIELD_BOUNDS & string): (v: string) => number {
  const b = TRAIN_FIELD_BOUNDS[field];
  if (!b) throw new Error(`no bounds for train field ${field}`);
  return numberFlag(b);
}

export const positiveInt = numberFlag({ int: true, min: 1 });
export const nonNegativeInt = numberFlag({ int: true, min: 0 });
