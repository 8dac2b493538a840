// The reference for bench/editor-typing.bench.ts: no daemon, no analysis. Every character typed
// into a visible editor gets a background chip in the same change event that reported it, in the
// colour and alpha JumpLens uses for its strongest level, so the bench reads it the same way.
const vscode = require('vscode');

exports.activate = (context) => {
  const type = vscode.window.createTextEditorDecorationType({
    backgroundColor: 'rgba(255, 150, 40, 0.55)',
    borderRadius: '3px',
    border: '1px solid',
    borderColor: new vscode.ThemeColor('editor.background'),
    // As JumpLens's: a chip does not grow over the character typed after it, so each character is
    // coloured by the round trip, not by the editor stretching the previous one.
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
  /** Typed character ranges per document uri. */
  const typed = new Map();
  context.subscriptions.push(
    type,
    vscode.workspace.onDidChangeTextDocument((e) => {
      const uri = e.document.uri.toString();
      const ranges = typed.get(uri) ?? [];
      for (const c of e.contentChanges) {
        if (c.text.length !== 1 || c.text === '\n') continue;
        ranges.push(new vscode.Range(c.range.start, c.range.start.translate(0, 1)));
      }
      typed.set(uri, ranges);
      for (const ed of vscode.window.visibleTextEditors) if (ed.document.uri.toString() === uri) ed.setDecorations(type, ranges);
    }),
  );
};
