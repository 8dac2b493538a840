// Typed requests and results of steering: interventions on SAE features, decoding settings, the two
// continuations, and logit effects. Plain interfaces; the wire types in protocol/ mirror them.

/** clamp: set the activation to `value`; scale: multiply it by `value`; ablate: set it to 0. */
export type InterventionMode = 'clamp' | 'scale' | 'ablate';

export interface Intervention {
  feature: number;
  mode: InterventionMode;
  /** clamp: the activation; scale: the factor; ablate: ignored. */
  value?: number;
}

export interface SteerSpec {
  interventions: Intervention[];
  /**
   * First absolute token position the interventions apply to (default 0: every position). A
   * leading BOS is never steered: the SAE was not trained on it, as delta-LM-loss also leaves it.
   */
  fromPosition?: number;
  /** Hook to splice the SAE in at (default: the SAE's own hook name). */
  hook?: string;
}

export interface DecodingOptions {
  /** Tokens to generate. */
  steps: number;
  /** 0 (default) = greedy argmax; > 0 divides the logits before sampling. */
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP (default 1). */
  topP?: number;
  /** PRNG seed for sampling (default 0); both continuations draw the same random numbers. */
  seed?: number;
}

export interface Continuation {
  /** Generated token ids (after the prompt). */
  ids: number[];
  text: string;
  /** Each generated token's text in context (its share of the decoded string): [ids.length]. */
  tokens: string[];
}

export interface SteerResult {
  hook: string;
  prompt: number[];
  unsteered: Continuation;
  steered: Continuation;
  /** Index into the generated ids of the first token that differs, or -1 when none does. */
  firstDiff: number;
  /** Per generated index: true where the two continuations hold different tokens. */
  differs: boolean[];
}

export interface TokenLogit {
  id: number;
  token: string;
  logit: number;
}

/** A feature's decoder direction read through the unembedding (sae_vis's logit table). */
export interface FeatureLogits {
  feature: number;
  promoted: TokenLogit[];
  suppressed: TokenLogit[];
}

export interface TokenShift {
  id: number;
  token: string;
  logProbBefore: number;
  logProbAfter: number;
  /** logProbAfter − logProbBefore. */
  delta: number;
}

/** How the interventions move the next-token distribution predicted at one position. */
export interface NextTokenEffect {
  position: number;
  /** KL(p_clean ‖ p_steered) in nats. */
  kl: number;
  /** Largest rises in log-probability, largest first. */
  rises: TokenShift[];
  /** Largest falls, most negative first. */
  falls: TokenShift[];
}
