// The WebSocket API: the daemon's operations for the webview and remote clients. Each op is one
// entry of WsOps ({request, result}) so both ends are typed, and one zod schema that validates it at
// run time. Every client message has an `id` the reply echoes; the token travels as `?token=` or
// the `Authorization: Bearer` header.
import { z } from 'zod';
import { JobSpecSchema, type JobEvent, type JobInfo, type JobSpec } from './jobs';
import type { StatusResult, TokenFeatures } from './tokens';
import { SteerParamsSchema, type SteerParams, type SteerResult } from './steer';
import { FrontierResultsSchema } from './sweep';

export const FEATURE_SORTS = ['id', 'density', 'maxAct', 'label'] as const;
export type FeatureSort = (typeof FEATURE_SORTS)[number];

export interface FeatureListRow {
  id: number;
  density: number;
  maxAct: number;
  label?: string;
}

/** listFeatures result: the rows in [offset, offset+limit) of `total` matches; columns, not objects, so 16k rows stay small. */
export interface FeatureListResult {
  total: number;
  dSae: number;
  offset: number;
  ids: number[];
  density: number[];
  maxAct: number[];
  /** Sparse: only labelled features appear. */
  labels: Record<string, string>;
}

export interface FeatureCardResult {
  id: number;
  label?: string;
  density: number;
  maxAct: number;
  hist: number[];
  histLog10Range: [number, number];
  /** Top activating contexts: token strings ('' outside the sequence), activations, centre index. */
  top: { value: number; tokens: string[]; acts: number[]; centre: number }[];
  /** Output tokens the decoder direction promotes / suppressed through the unembedding, when known. */
  promoted?: { token: string; logit: number }[];
  suppressed?: { token: string; logit: number }[];
}

export interface ListFeaturesParams {
  sort?: FeatureSort;
  /** Descending for density/maxAct by default. */
  descending?: boolean;
  minDensity?: number;
  /** Features denser than this are hidden (default 0.01 = 1% of tokens); 1 shows all. */
  maxDensity?: number;
  /** Matches "#123"/"123" (id), label substrings, or `token:<text>` (features firing on a token). */
  query?: string;
  offset?: number;
  limit?: number;
}

/**
 * frontierResults result: a frontier sweep's results (`jumplens sweep`'s frontier.json) and where
 * they were read. `bundled`: the reference frontier shipped with the extension (assets/frontier/,
 * copied from docs/results/frontier/ at build time), not a file the user named.
 */
export const FrontierResultsReplySchema = z.object({ path: z.string(), bundled: z.boolean(), results: FrontierResultsSchema });
export type FrontierResultsReply = z.infer<typeof FrontierResultsReplySchema>;

/** Every ws op: what the client sends besides `id` and `op`, and the reply's `result`. */
export interface WsOps {
  /** any client -> daemon: start a job. */
  startJob: { request: { spec: JobSpec }; result: JobInfo };
  /** any client -> daemon: cancel a job. */
  cancelJob: { request: { jobId: string }; result: JobInfo };
  /** any client -> daemon: resume an interrupted job. */
  resumeJob: { request: { jobId: string }; result: JobInfo };
  /** any client -> daemon: list jobs. */
  listJobs: { request: object; result: JobInfo[] };
  /** any client -> daemon: daemon status (backend, model, SAE). */
  status: { request: object; result: StatusResult };
  /** any client -> daemon: encode a text and return its token features (remote analysis). */
  analyze: { request: { text: string; topK?: number }; result: TokenFeatures[] };
  /** feature browser -> daemon: one page of the (sorted, filtered) feature list, or all of it. */
  listFeatures: { request: ListFeaturesParams; result: FeatureListResult };
  /** feature browser -> daemon: one feature's card with its context tokens as strings. */
  featureCard: { request: { feature: number }; result: FeatureCardResult };
  /** feature browser -> daemon: set (or with '' clear) a feature's label; saved next to the store. */
  setLabel: { request: { feature: number; label: string }; result: { id: number; label: string | null } };
  /** feature browser -> daemon: import labels from a Neuronpedia-style explanations JSON file. */
  importLabels: { request: { file: string }; result: { imported: number } };
  /** any client -> daemon: continue a text (or a held document up to a position) unsteered and steered. */
  steer: { request: SteerParams; result: SteerResult };
  /** dashboard -> daemon: a sweep's frontier to draw under the user's points; no path: the bundled reference. */
  frontierResults: { request: { path?: string }; result: FrontierResultsReply };
}
export type WsOp = keyof WsOps;
export type FeatureOp = 'listFeatures' | 'featureCard' | 'setLabel' | 'importLabels';
export const FEATURE_OPS: readonly FeatureOp[] = ['listFeatures', 'featureCard', 'setLabel', 'importLabels'];

/** The message a client sends for `op`. */
export type WsRequestOf<O extends WsOp> = { id: number; op: O } & WsOps[O]['request'];
type Union<Ops extends WsOp> = { [O in Ops]: WsRequestOf<O> }[Ops];
/** Requests on jobs, status and analysis. */
export type WsRequest = Union<Exclude<WsOp, FeatureOp>>;
/** Feature-store queries (served over ws, same envelope). */
export type FeatureRequest = Union<FeatureOp>;
/** Any ws request. */
export type AnyWsRequest = WsRequest | FeatureRequest;

export type WsReply<O extends WsOp = WsOp> = { id: number; ok: true; result: WsOps[O]['result'] } | { id: number | null; ok: false; error: string };

/** daemon -> every authenticated ws client: pushed job events. */
export interface WsPush {
  push: 'jobEvent';
  event: JobEvent;
}

/**
 * Documented size limits of the ws API: a frame or message over maxMessageBytes closes that
 * connection (close code 1009); an `analyze` text over maxAnalyzeChars is answered with an error.
 */
export const WS_LIMITS = { maxMessageBytes: 4 * 1024 * 1024, maxAnalyzeChars: 200_000 } as const;

/** A number in lo..hi; `missing` is the message when the field is absent (for required fields). */
const num = (k: string, lo: number, hi: number, int = false, missing?: string) => {
  const msg = `"${k}" must be ${int ? 'an integer' : 'a number'} in ${lo}..${hi}`;
  const error = (i: { input: unknown }) => (i.input === undefined && missing ? missing : msg);
  return (int ? z.int({ error }) : z.number({ error })).min(lo, msg).max(hi, msg);
};
const feature = (op: string) => num('feature', 0, 2 ** 31, true, `${op} needs "feature"`);
const jobId = (op: string) => z.string({ error: `${op} needs "jobId"` }).min(1, `${op} needs "jobId"`);

/** Runtime validators of each op's fields (the envelope, `id` and `op`, is checked before). */
export const WsRequestSchemas = {
  startJob: z.object({ spec: JobSpecSchema }),
  cancelJob: z.object({ jobId: jobId('cancelJob') }),
  resumeJob: z.object({ jobId: jobId('resumeJob') }),
  listJobs: z.object({}),
  status: z.object({}),
  analyze: z.object({
    text: z
      .string({ error: 'analyze needs "text"' })
      .max(WS_LIMITS.maxAnalyzeChars, `analyze "text" is over ${WS_LIMITS.maxAnalyzeChars} characters; send a shorter text`),
    topK: z
      .int({ error: '"topK" must be an integer in 1..100' })
      .min(1, '"topK" must be an integer in 1..100')
      .max(100, '"topK" must be an integer in 1..100')
      .optional(),
  }),
  listFeatures: z.object({
    sort: z.enum(FEATURE_SORTS, { error: (i) => `unknown sort ${JSON.stringify(i.input)}` }).optional(),
    descending: z.boolean({ error: '"descending" must be a boolean' }).optional(),
    minDensity: num('minDensity', 0, 1).optional(),
    maxDensity: num('maxDensity', 0, 1).optional(),
    offset: num('offset', 0, 2 ** 31, true).optional(),
    limit: num('limit', 1, 2 ** 31, true).optional(),
    query: z.string({ error: '"query" must be a string' }).optional(),
  }),
  featureCard: z.object({ feature: feature('featureCard') }),
  setLabel: z.object({ feature: feature('setLabel'), label: z.string({ error: 'setLabel needs "label" (a string)' }) }),
  importLabels: z.object({ file: z.string({ error: 'importLabels needs "file"' }).min(1, 'importLabels needs "file"') }),
  steer: SteerParamsSchema,
  frontierResults: z.object({
    path: z
      .string({ error: 'frontierResults "path" must be a string (a frontier.json file)' })
      .min(1, 'frontierResults "path" is empty: give a frontier.json file, or leave it out for the bundled reference')
      .max(4096, 'frontierResults "path" is over 4096 characters')
      .optional(),
  }),
} satisfies Record<WsOp, z.ZodType>;

export type ParsedWs<R> = { ok: true; req: R } | { ok: false; id: number | null; error: string };

/** Validates an already JSON-parsed ws message against the ops in `ops`. */
export function parseWsMessage<O extends WsOp>(m: unknown, ops: readonly O[] = Object.keys(WsRequestSchemas) as O[]): ParsedWs<Union<O>> {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return { ok: false, id: null, error: 'message must be a JSON object' };
  const o = m as Record<string, unknown>;
  const id = typeof o.id === 'number' && Number.isInteger(o.id) ? o.id : null;
  if (id === null) return { ok: false, id: null, error: 'field "id" must be an integer' };
  if (typeof o.op !== 'string' || !(ops as readonly string[]).includes(o.op)) return { ok: false, id, error: `unknown op ${JSON.stringify(o.op)}` };
  const r = WsRequestSchemas[o.op as O].safeParse(o);
  if (!r.success) return { ok: false, id, error: r.error.issues[0].message };
  // The schemas check each field; the original object is kept so nothing the schema strips is lost.
  return { ok: true, req: o as unknown as Union<O> };
}

/** Validates a ws message's text (jobs, status, analysis); returns the typed request or why it is malformed. */
export function parseWsRequest(raw: string): ParsedWs<WsRequest> {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return { ok: false, id: null, error: 'message is not valid JSON' };
  }
  return parseWsMessage(m, ['startJob', 'cancelJob', 'resumeJob', 'listJobs', 'status', 'analyze', 'steer', 'frontierResults']);
}

/** Validates a feature-browser message (already JSON-parsed); returns the typed request or why not. */
export function parseFeatureRequest(m: unknown): ParsedWs<FeatureRequest> {
  return parseWsMessage(m, FEATURE_OPS);
}
