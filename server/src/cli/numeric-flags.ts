// Commander argument parsers for numeric flags: `--batch-size 0`, `--lr fast` or `--batch 0` fail
// at parse time with the range they need, instead of training NaNs or looping forever. Training
// flags take their ranges from protocol/train.ts's TRAIN_FIELD_BOUNDS, as TrainConfigSchema does (one source for each range).
import { InvalidArgumentError } from 'commander';
import { describeBound, inBound, TRAIN_FIELD_BOUNDS, type FieldBound } from '../../../protocol/train';

type Bound = FieldBound;

export function numberFlag(b: Bound): (v: string) => number {
  return (v: string) => {
    const n = v.trim() === '' ? NaN : Number(v);
    if (!inBound(n, b)) throw new InvalidArgumentError(`must be ${describeBound(b)}.`);
    return n;
  };
}

/** The parser for a TrainConfig field's flag, e.g. trainFlag('batchSize'). */
export function trainFlag(field: keyof typeof TRAIN_FIELD_BOUNDS & string): (v: string) => number {
  return numberFlag(TRAIN_FIELD_BOUNDS[field]);
}

export const positiveInt = numberFlag({ int: true, min: 1 });
export const nonNegativeInt = numberFlag({ int: true, min: 0 });
