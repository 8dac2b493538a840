// Whether an editor's view has left the part of a document the daemon analysed (documents over
// jumplens.maxTokens are analysed in part). Free of `vscode` so it is unit-tested.
import type { Position, Range } from '../../protocol';

const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);

/** True when some of `view` lies outside `analysed` (undefined = the whole document was analysed). */
export function viewLeavesAnalysed(analysed: Range | undefined, view: readonly Range[]): boolean {
  if (!analysed || view.length === 0) return false;
  // A view that ends where the analysed part ends (a trailing empty line) still counts as inside.
  return before(view[0].start, analysed.start) || before(analysed.end, { line: view[view.length - 1].end.line, character: 0 });
}
