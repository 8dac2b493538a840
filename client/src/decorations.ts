// Draws jumplens/tokenFeatures as background intensities: one decoration type per level, so each
// level has its own CSS class and colour in the DOM. "Focus Feature" swaps the per-token strongest
// feature for one feature's activations across the document. Each coloured token is a rounded chip
// with a border in the editor's background colour, so two neighbouring tokens of the same strength
// stay two chips (a visible gap), not one block. The level types get bare ranges, which VS Code
// sends to the renderer on its fast path ($trySetDecorationsFast); ranges with a hoverMessage each
// become their own decoration options there (in `npm run bench -- editor-typing` the change was
// within run-to-run noise). What a colour stands for is told in the token's hover (colourNoteAt).
import * as vscode from 'vscode';
import type { FocusFeatureResult, Range, TokenFeatures, TokenFeaturesParams } from '../../protocol';
import { tokenAt } from './hover-links';
import { LEVELS, alphaOf, colourNote, compactLabel, groupByLevel, isBos, levelOf, tokenLevel } from './intensity';

/** The max a focused feature's activations are drawn relative to. */
function focusScale(f: FocusFeatureResult): number {
  return f.scale > 0 ? f.scale : 1;
}

/** A token's level under Focus Feature; BOS is never drawn. */
function focusLevel(f: FocusFeatureResult, t: FocusFeatureResult['tokens'][number]): number {
  return isBos(t) ? 0 : levelOf(t.act / focusScale(f));
}

function toRange(r: TokenFeatures['range']): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

// Light themes get a deeper orange, dark themes a brighter one; alpha carries the intensity.
function levelType(level: number, focus: boolean): vscode.TextEditorDecorationType {
  const a = alphaOf(level);
  const light = focus ? `rgba(30, 110, 220, ${a})` : `rgba(230, 110, 0, ${a})`;
  const dark = focus ? `rgba(80, 160, 255, ${a})` : `rgba(255, 150, 40, ${a})`;
  return vscode.window.createTextEditorDecorationType({
    backgroundColor: dark,
    light: { backgroundColor: light },
    dark: { backgroundColor: dark },
    borderRadius: '3px',
    border: '1px solid',
    borderColor: new vscode.ThemeColor('editor.background'),
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
}

export class TokenDecorations implements vscode.Disposable {
  private readonly levels: vscode.TextEditorDecorationType[] = [];
  private readonly focusLevels: vscode.TextEditorDecorationType[] = [];
  private readonly labelType = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 0.3em', fontStyle: 'italic' },
  });
  /** Latest features per document uri (string). */
  private readonly byUri = new Map<string, TokenFeaturesParams>();
  /** Focused feature per document uri. */
  private readonly focus = new Map<string, FocusFeatureResult>();
  enabled = true;
  /**
   * What each editor was last given per decoration type (its ranges and hovers as one string):
   * typing at the end changes one or two tokens' levels, and re-sending the unchanged levels made the
   * editor re-render every chip per keystroke. Cleared when the visible editors change.
   */
  private sent = new WeakMap<vscode.TextEditor, Map<vscode.TextEditorDecorationType, string>>();

  constructor() {
    for (let l = 1; l <= LEVELS; l++) {
      this.levels[l] = levelType(l, false);
      this.focusLevels[l] = levelType(l, true);
    }
  }

  update(p: TokenFeaturesParams): void {
    this.byUri.set(p.uri, p);
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === p.uri) this.render(e);
  }

  tokensAt(uri: string): TokenFeatures[] | undefined {
    return this.byUri.get(uri)?.tokens;
  }

  /** The analysed range of a document the daemon analysed in part (undefined: all of it, or nothing yet). */
  partialRange(uri: string): Range | undefined {
    return this.byUri.get(uri)?.partial?.range;
  }

  setFocus(uri: string, f: FocusFeatureResult | undefined): void {
    if (f) this.focus.set(uri, f);
    else this.focus.delete(uri);
    this.renderUri(uri);
  }

  /** What the colour of the token at `pos` stands for, as drawn now; undefined where nothing is coloured. */
  colourNoteAt(uri: string, pos: vscode.Position): string | undefined {
    if (!this.enabled) return undefined;
    const focus = this.focus.get(uri);
    if (focus) {
      const t = tokenAt(focus.tokens, pos);
      const scale = focusScale(focus);
      if (!t || focusLevel(focus, t) === 0) return undefined;
      return `JumpLens focus: feature #${focus.feature} ${t.act.toFixed(3)} = ${Math.round((100 * t.act) / scale)}% of ${scale.toPrecision(4)} (its store max, else its max in this document)`;
    }
    const p = this.byUri.get(uri);
    const t = tokenAt(p?.tokens, pos);
    if (!t || tokenLevel(t) === 0) return undefined;
    return colourNote(t, p?.relativeTo) || undefined;
  }

  focusedFeature(uri: string): number | undefined {
    return this.focus.get(uri)?.feature;
  }

  forget(uri: string): void {
    this.byUri.delete(uri);
    this.focus.delete(uri);
    this.renderUri(uri);
  }

  renderUri(uri: string): void {
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === uri) this.render(e);
  }

  renderAll(): void {
    this.sent = new WeakMap();
    for (const e of vscode.window.visibleTextEditors) this.render(e);
  }

  /**
   * The document lost text: the editor's tracked ranges may have collapsed (a deleted token), so
   * the next analysis is drawn in full even where it matches what was sent before.
   */
  textDeleted(uri: string): void {
    for (const e of vscode.window.visibleTextEditors) if (e.document.uri.toString() === uri) this.sent.delete(e);
  }

  /** editor.setDecorations, skipped when `type` already shows exactly `opts` in `editor`. */
  private set(editor: vscode.TextEditor, type: vscode.TextEditorDecorationType, opts: vscode.Range[] | vscode.DecorationOptions[]): void {
    let m = this.sent.get(editor);
    if (!m) this.sent.set(editor, (m = new Map()));
    const key = opts
      .map((o) => {
        const r = o instanceof vscode.Range ? o : o.range;
        const after = o instanceof vscode.Range ? '' : (o.renderOptions?.after?.contentText ?? '');
        return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character} ${after}`;
      })
      .join('\n');
    if (m.get(type) === key) return;
    m.set(type, key);
    editor.setDecorations(type, opts);
  }

  render(editor: vscode.TextEditor): void {
    const uri = editor.document.uri.toString();
    const clear = (types: vscode.TextEditorDecorationType[]) => {
      for (let l = 1; l <= LEVELS; l++) this.set(editor, types[l], []);
    };
    const p = this.byUri.get(uri);
    const focus = this.focus.get(uri);
    if (!this.enabled || (!p && !focus)) {
      clear(this.levels);
      clear(this.focusLevels);
      this.set(editor, this.labelType, []);
      return;
    }
    const deco = vscode.workspace.getConfiguration('jumplens.decorations', editor.document);
    if (focus) {
      clear(this.levels);
      this.set(editor, this.labelType, []);
      const groups = groupByLevel(focus.tokens, (t) => focusLevel(focus, t));
      for (let l = 1; l <= LEVELS; l++)
        this.set(
          editor,
          this.focusLevels[l],
          groups[l].map((t) => toRange(t.range)),
        );
      return;
    }
    clear(this.focusLevels);
    const tokens = p!.tokens;
    const groups = groupByLevel(tokens, tokenLevel);
    for (let l = 1; l <= LEVELS; l++)
      this.set(
        editor,
        this.levels[l],
        groups[l].map((t) => toRange(t.range)),
      );
    if (deco.get<boolean>('showLabels', false)) {
      const min = deco.get<number>('labelMinRelative', 0.6);
      const labels = tokens
        .filter((t) => tokenLevel(t) > 0 && t.rel >= min)
        .map((t) => ({ range: toRange(t.range), renderOptions: { after: { contentText: compactLabel(t) } } }));
      this.set(editor, this.labelType, labels);
    } else {
      this.set(editor, this.labelType, []);
    }
  }

  dispose(): void {
    for (const t of [...this.levels, ...this.focusLevels]) t?.dispose();
    this.labelType.dispose();
  }
}
