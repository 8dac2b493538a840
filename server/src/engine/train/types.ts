// Training config and progress types live in protocol/train.ts (one source for the wire format,
// its zod schema and its defaults); re-exported here for engine code.
export type { SparsityPenalty, TrainConfig, TrainProgressEvent, TrainResult } from '../../../../protocol/train';
