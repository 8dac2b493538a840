// The daemon's feature stores: one open FeatureStore per SAE, shared by hovers (through the engine)
// and the feature browser (the ws ops), so a label set in the browser shows in the next hover.
// An SAE's store is, in order: the one registered for it in the runs folder (built by a job where the
// SAE's folder could not be written, engine/features/store-index.ts), `<sae>/features`, or a store
// beside the weights. Labels of a store in a read-only place go to an overlay in the runs folder.
import * as path from 'node:path';
import { FeatureStore } from '../engine/features/feature-store';
import { labelsOverlayFile, registeredStore } from '../engine/features/store-index';

export class FeatureStoreRegistry {
  /** Per SAE folder: its store, or null when it has none (remembered so hovers do not stat files). */
  private readonly stores = new Map<string, FeatureStore | null>();
  private runsDir?: string;

  /** The runs folder: where stores are registered and label overlays are kept. */
  useRunsDir(runsDir: string): void {
    this.runsDir = path.resolve(runsDir);
    this.stores.clear();
  }

  /** The store of the SAE in `saeDir`; opened once. */
  forSae(saeDir: string): FeatureStore | undefined {
    // Asked per analysed token with the engine's (already absolute) path: skip resolving when known.
    const known = this.stores.get(saeDir);
    if (known !== undefined) return known ?? undefined;
    const key = path.resolve(saeDir);
    let s = this.stores.get(key);
    if (s === undefined) {
      s = null;
      let registered: string | undefined;
      try {
        registered = this.runsDir ? registeredStore(this.runsDir, key) : undefined;
      } catch (e) {
        // A damaged index must not take every hover down: the SAE's own store still serves.
        console.warn(e instanceof Error ? e.message : String(e));
      }
      for (const dir of [registered, path.join(key, 'features'), key]) {
        if (dir && FeatureStore.exists(dir)) {
          s = FeatureStore.open(dir, { labelsOverlay: labelsOverlayFile(this.runsDir, dir) });
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
