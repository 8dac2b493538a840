// What steering needs from a language model beyond the LanguageModel contract: cached forward
// passes with a hook replaced, and the unembedding for direct logits. Every TransformerModel has both.
import type { Tensor2D, Tensor3D } from '../tf';
import type { ActivationFn, KvCache, LanguageModel } from '../lm/types';

export interface SteerableModel extends LanguageModel {
  forwardCached(ids: number[], cache: KvCache | undefined, replace?: { hook: string; fn: ActivationFn }): { logits: Tensor3D; cache: KvCache };
  directLogits(dirs: Tensor2D): Tensor2D;
}

export function asSteerable(model: LanguageModel): SteerableModel {
  const m = model as Partial<SteerableModel>;
  if (typeof m.forwardCached !== 'function' || typeof m.directLogits !== 'function') {
    throw new Error(`${model.config.name}: this model runtime cannot be steered (it has no cached forward with hook replacement)`);
  }
  return model as SteerableModel;
}
