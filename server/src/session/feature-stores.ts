// The daemon's feature stores: one open FeatureStore per SAE, shared by hovers (through the engine)
// and the feature browser (the ws ops), so a label set in the browser shows in the next hover.
import * as path from 'node:path';
import { FeatureStore } from '../engine/features/feature-store';

export class FeatureStoreRegistry {
  /** Per SAE folder: its store, or null when it has none (remembered so hovers do not stat files). */
  private readonly stores = new Map<string, FeatureStore | null>();

  /** The store of the SAE in `saeDir`: `<sae>/features`, or a store next to the weights; opened once. */
  forSae(saeDir: string): FeatureStore | undefined {
    const key = path.resolve(saeDir);
    let s = this.stores.get(key);
    if (s === undefined) {
      s = null;
      for (const dir of [path.join(key, 'features'), key]) {
        if (FeatureStore.exists(dir)) {
          s = FeatureStore.open(dir);
          break;
        }
      }
      this.stores.set(key, s);
    }
    return s ?? undefined;
  }

  /** Forgets what is known of `saeDir` (every SAE when unset): its store was built or rebuilt. */
  invalidate(saeDir?: string): void {
    if (saeDir === undefined) this.stores.clear();
    else this.stores.delete(path.resolve(saeDir));
  }
}
