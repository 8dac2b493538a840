// Diagnostics of an analysed document: malformed `.jlp` directives, and a model, SAE or hook that
// would not load, placed on the directive that asked for it (or on line 1 when the setting did), so
// any LSP client shows why a file has no colours without opening a log. `@steer` / `@ablate` items
// are checked against the loaded SAE here (the parser cannot know its d_sae).
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { Engine, EnginePart } from '../session/engine-session';
import { EngineLoadError } from '../session/engine-session';
import type { LineSpan, PromptFile } from './prompt-file';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, information: DiagnosticSeverity.Information } as const;

function diag(at: LineSpan, severity: DiagnosticSeverity, message: string): Diagnostic {
  return { range: { start: { line: at.line, character: at.start }, end: { line: at.line, character: at.end } }, severity, message, source: 'jumplens' };
}

export function documentDiagnostics(file: PromptFile | undefined, firstLineLength: number, load: { engine?: Engine; error?: unknown }): Diagnostic[] {
  const out = (file?.problems ?? []).map((p) => diag(p, SEVERITY[p.severity], p.message));
  const lines = file?.directiveLines ?? {};
  if (load.error !== undefined) {
    const part: EnginePart | undefined = load.error instanceof EngineLoadError ? load.error.part : undefined;
    // An SAE that does not fit a model chosen by `@model` is that line's doing when no `@sae` is given.
    const at = part && (lines[part] ?? (part === 'sae' ? lines.model : undefined));
    const msg = load.error instanceof Error ? load.error.message : String(load.error);
    out.push(
      at
        ? diag(at, DiagnosticSeverity.Error, msg)
        : diag({ line: 0, start: 0, end: firstLineLength }, DiagnosticSeverity.Error, `${part ? `jumplens.${part}: ` : ''}${msg}`),
    );
  }
  const e = load.engine;
  if (e?.sae?.hookName && lines.hook && e.hook !== e.sae.hookName) {
    const steers = (file?.interventions.length ?? 0) > 0 ? '; @steer / @ablate apply here too' : '';
    out.push(diag(lines.hook, DiagnosticSeverity.Information, `the SAE was trained on ${e.sae.hookName}; it encodes ${e.hook} here${steers}`));
  }
  if (e && file) {
    const dSae = e.sae?.dSae;
    for (const iv of file.interventions) {
      if (dSae === undefined) {
        out.push(diag(iv.at, DiagnosticSeverity.Warning, `no SAE is loaded (@sae none): feature ${iv.feature} cannot be steered; the item is ignored`));
      } else if (iv.feature >= dSae) {
        out.push(
          diag(
            iv.at,
            DiagnosticSeverity.Error,
            `feature ${iv.feature} is out of range: the SAE${e.saePath ? ` (${e.saePath})` : ''} has ${dSae} features (0..${dSae - 1}); the item is ignored`,
          ),
        );
      }
    }
  }
  return out;
}
