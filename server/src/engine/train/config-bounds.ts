// The range check of a raw training config (job fields, run.json, CLI flags), before any activation
// is collected. The ranges are TrainConfigSchema's (protocol/train.ts TRAIN_FIELD_BOUNDS); this
// names the field and the value in the form the trainer's callers show.
import { describeBound, inBound, TRAIN_FIELD_BOUNDS, type FieldBound } from '../../../../protocol/train';
import type { TrainConfig } from './types';

/** Throws `train config: field "batchSize" must be an integer ≥ 1, got 0` for the first bad field. */
export function checkTrainConfigFields(cfg: TrainConfig | Record<string, unknown>, where = 'train config'): void {
  for (const [key, b] of Object.entries(TRAIN_FIELD_BOUNDS) as [string, FieldBound][]) {
    const v = (cfg as Record<string, unknown>)[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !inBound(v, b)) throw new Error(`${where}: field "${key}" must be ${describeBound(b)}, got ${JSON.stringify(v)}`);
  }
}
