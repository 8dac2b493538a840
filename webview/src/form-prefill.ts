// The dashboard's forms start from what is loaded: the daemon's model, its SAE (and that SAE's
// hook) and the jobs corpus setting. A field the user has edited keeps their value. Pure (no DOM),
// unit-tested.
import type { FormPrefill } from '../../protocol/webview';
import { FORMS, type FormKind } from './job-forms';

/** Which prefill value each form field takes (a fine-tune starts from the loaded SAE). */
const SOURCE: Record<string, keyof FormPrefill> = { model: 'model', hook: 'hook', corpus: 'corpus', sae: 'sae', initFrom: 'sae' };

/**
 * Applies `p` to every form's values, skipping fields in `touched` ("kind.field") and values `p`
 * lacks. Returns the forms whose values changed (they need a redraw).
 */
export function applyPrefill(values: Record<FormKind, Record<string, string>>, touched: ReadonlySet<string>, p: FormPrefill): FormKind[] {
  const changed: FormKind[] = [];
  for (const kind of Object.keys(FORMS) as FormKind[]) {
    for (const f of FORMS[kind].fields) {
      const src = SOURCE[f.name];
      const v = src ? p[src] : undefined;
      if (!v || touched.has(`${kind}.${f.name}`) || values[kind][f.name] === v) continue;
      values[kind][f.name] = v;
      if (!changed.includes(kind)) changed.push(kind);
    }
  }
  return changed;
}

/** The prefill the daemon's ws `status` gives (loaded model, SAE and its hook). */
export function prefillFromStatus(s: { model?: { path: string }; sae?: { path: string; hook: string } } | undefined): FormPrefill {
  return { model: s?.model?.path, sae: s?.sae?.path, hook: s?.sae?.hook };
}
