// Help for `.jlp` directives in any LSP client: completion of directive names and of `@hook` /
// `@bos` values, and a hover on a directive line that says what it resolved to (which model file,
// which SAE and the hook it was trained on), so a file's setup can be checked without the status bar.
import { CompletionItemKind, type CompletionItem, type Position } from 'vscode-languageserver/node';
import { DIRECTIVES, directiveOf, type DirectiveName } from './prompt-file';
import type { Engine } from '../session/engine-session';
import type { DocumentSettings } from './document-settings';
import { describeIntervention, parseSteerLine } from './steer-directives';

const DOCS: Record<DirectiveName, string> = {
  model: 'Language model for this file: a llama2.c `.bin` or Hugging Face folder, relative to the file, or a name in the models folder.',
  sae: 'SAE for this file: a SAELens folder or Gemma Scope `.npz`, relative to the file; `none` for tokens only.',
  hook: 'TransformerLens hook whose activations the SAE encodes, e.g. `blocks.2.hook_resid_post`.',
  'top-k': 'Features listed per token (1..100).',
  'max-tokens': 'Most tokens analysed in this file; beyond it, the prompts around the edit.',
  bos: '`on` (default) or `off`: start every prompt with the BOS token.',
  steer:
    'Steer SAE features in every prompt of this file: `209=5` clamps feature 209 to activation 5, `209=2x` scales it by 2; several per line, lines add up. Colours and hovers show the steered features.',
  ablate: 'Ablate SAE features (set them to 0) in every prompt of this file: `@ablate 840 841`.',
};

/** Completions at `pos` in a line whose text is `line`; `hooks` are the hook names of the file's model, when loaded. */
export function directiveCompletions(line: string, pos: Position, hooks: readonly string[]): CompletionItem[] {
  const before = line.slice(0, pos.character);
  if (/^@[\w-]*$/.test(before)) {
    return DIRECTIVES.map((d) => ({
      label: `@${d}`,
      kind: CompletionItemKind.Keyword,
      documentation: { kind: 'markdown', value: DOCS[d] },
      // Replace what was typed after the line's '@'.
      textEdit: { range: { start: { line: pos.line, character: 1 }, end: pos }, newText: `${d} ` },
      filterText: `@${d}`,
    }));
  }
  const m = /^@(hook|bos)\s+(\S*)$/.exec(before);
  if (!m) return [];
  const values = m[1] === 'hook' ? hooks : ['on', 'off'];
  return values.map((v) => ({ label: v, kind: CompletionItemKind.Value }));
}

/** Markdown for a hover on a directive line, or undefined when the line holds none. */
export function directiveHover(line: string, ds: DocumentSettings, engine: Engine | undefined): string | undefined {
  const d = directiveOf(line);
  if (!d) return undefined;
  const out = [`**@${d.name}** — ${DOCS[d.name]}`, ''];
  switch (d.name) {
    case 'model':
      if (engine)
        out.push(
          `Resolved to \`${engine.modelPath}\`: ${engine.model.config.name}, d_model ${engine.model.config.dModel}, ${engine.model.config.nLayers} layers.`,
        );
      break;
    case 'sae':
      if (engine?.sae)
        out.push(`Resolved to \`${engine.saePath}\`: ${engine.sae.architecture}, d_sae ${engine.sae.dSae}, trained on \`${engine.sae.hookName || '?'}\`.`);
      else if (ds.engine.sae === null) out.push('No SAE: tokens only.');
      break;
    case 'hook':
      if (engine) out.push(`Encoding \`${engine.hook}\`.`);
      break;
    case 'top-k':
      out.push(`${ds.topK} features per token.`);
      break;
    case 'max-tokens':
      out.push(`At most ${ds.maxTokens} tokens analysed.`);
      break;
    case 'bos':
      out.push(ds.bos ? 'Prompts start with BOS.' : 'Prompts run without BOS.');
      break;
    case 'steer':
    case 'ablate': {
      const { items } = parseSteerLine(d.name, d.value, 0, 0);
      const dSae = engine?.sae?.dSae;
      const fits = items.filter((iv) => dSae === undefined || iv.feature < dSae);
      if (fits.length) out.push(`${fits.map(describeIntervention).join(', ')}: at \`${engine?.hook ?? '?'}\`, every token after BOS.`);
      const off = items.filter((iv) => dSae !== undefined && iv.feature >= dSae);
      if (off.length) out.push('', `_Out of range (the SAE has ${dSae} features): ${off.map((iv) => `#${iv.feature}`).join(', ')}._`);
      if (engine && !engine.sae) out.push('', '_No SAE loaded: nothing to steer._');
      break;
    }
  }
  if (!engine && ['model', 'sae', 'hook'].includes(d.name)) out.push('_Not loaded: see the diagnostics on this file._');
  return out.join('\n');
}
