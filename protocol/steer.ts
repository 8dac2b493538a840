// Steering: continue the prompt up to a cursor (or a text) with and without interventions on SAE
// features, as an LSP request (`jumplens/steer`, also reachable through `workspace/executeCommand`
// as Commands.steer for clients such as Neovim) and the ws op `steer`. The engine keeps its own
// plain interfaces (engine/steer/types.ts, which may not import protocol); these are the wire shapes.
import { RequestType } from 'vscode-jsonrpc';
import { z } from 'zod';
import type { Position } from './tokens';

export const STEER_MODES = ['clamp', 'scale', 'ablate'] as const;
export type SteerMode = (typeof STEER_MODES)[number];

/** clamp: set the activation to `value`; scale: multiply it by `value`; ablate: set it to 0. */
export interface SteerIntervention {
  feature: number;
  mode: SteerMode;
  value?: number;
}

export interface SteerParams {
  /** A document the daemon holds: its engine (settings + `.jlp` directives) and the prompt up to `position`. */
  uri?: string;
  position?: Position;
  /** Or a plain text, continued with the daemon settings' engine (ws clients). */
  text?: string;
  interventions: SteerIntervention[];
  /** First token position (0 = BOS) the interventions apply to; default every position after BOS. */
  fromPosition?: number;
  /** Tokens to generate (default 24, at most 256). */
  steps?: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  topP?: number;
  seed?: number;
}

export interface SteerToken {
  id: number;
  /** The token's text in context (its share of the decoded continuation). */
  text: string;
  /** True where the other continuation holds a different token at this index. */
  differs: boolean;
}

export interface SteerTokenLogit {
  id: number;
  token: string;
  logit: number;
}

export interface SteerFeatureInfo {
  feature: number;
  label?: string;
  /** The feature's max activation in the feature store (undefined without a store). */
  maxAct?: number;
  /** Its decoder direction through the unembedding (W_dec[f] · W_U): top promoted / suppressed tokens. */
  promoted: SteerTokenLogit[];
  suppressed: SteerTokenLogit[];
}

export interface SteerTokenShift {
  id: number;
  token: string;
  delta: number;
}

export interface SteerResult {
  /** The hook the SAE is spliced in at. */
  hook: string;
  /** The prompt as the model saw it (up to the cursor, without the `.jlp` directive lines). */
  promptText: string;
  promptTokens: number;
  unsteered: SteerToken[];
  steered: SteerToken[];
  /** Index of the first generated token that differs, -1 when the continuations are identical. */
  firstDiff: number;
  features: SteerFeatureInfo[];
  /** The next token after the prompt: KL(clean ‖ steered) in nats, largest log-prob rises and falls. */
  nextToken: { kl: number; rises: SteerTokenShift[]; falls: SteerTokenShift[] };
  /** The interventions applied (with `.jlp` file-wide ones first), as run. */
  interventions: SteerIntervention[];
  ms: number;
}

export const STEER_MAX_STEPS = 256;

const msg = (k: string, what: string) => ({ error: `steer: "${k}" must be ${what}` });
export const SteerInterventionSchema = z.object({
  feature: z.int(msg('feature', 'a non-negative integer')).min(0, msg('feature', 'a non-negative integer').error),
  mode: z.enum(STEER_MODES, msg('mode', 'clamp, scale or ablate')),
  value: z.number(msg('value', 'a finite number')).optional(),
});

/** Validates SteerParams (ws op fields and the LSP request's params alike). */
export const SteerParamsSchema = z
  .object({
    uri: z.string(msg('uri', 'a string')).optional(),
    position: z.object({ line: z.int().min(0), character: z.int().min(0) }, msg('position', '{ line, character }')).optional(),
    text: z.string(msg('text', 'a string')).optional(),
    interventions: z.array(SteerInterventionSchema, msg('interventions', 'a list of { feature, mode, value }')),
    fromPosition: z.int(msg('fromPosition', 'a non-negative integer')).min(0, msg('fromPosition', 'a non-negative integer').error).optional(),
    steps: z
      .int(msg('steps', `an integer in 1..${STEER_MAX_STEPS}`))
      .min(1, msg('steps', `an integer in 1..${STEER_MAX_STEPS}`).error)
      .max(STEER_MAX_STEPS, msg('steps', `an integer in 1..${STEER_MAX_STEPS}`).error)
      .optional(),
    temperature: z.number(msg('temperature', 'a number >= 0')).min(0, msg('temperature', 'a number >= 0').error).optional(),
    topP: z.number(msg('topP', 'a number in (0, 1]')).gt(0, msg('topP', 'a number in (0, 1]').error).max(1, msg('topP', 'a number in (0, 1]').error).optional(),
    seed: z.int(msg('seed', 'an integer')).optional(),
  })
  .refine((p) => p.text !== undefined || (p.uri !== undefined && p.position !== undefined), { error: 'steer needs "text", or "uri" and "position"' });

export const SteerMethod = 'jumplens/steer';
/** client -> daemon: the two continuations of the prompt up to a cursor, unsteered and steered (the steer panel, Neovim). */
export const SteerRequest = new RequestType<SteerParams, SteerResult, void>(SteerMethod);
