// How one vocabulary entry is shown on its own (feature cards, logit tables, steering diffs).
import type { Tokenizer } from './types';

/** Display form of a vocabulary piece: SentencePiece's '▁' is a space, byte pieces become their character. */
export function pieceText(tokenizer: Pick<Tokenizer, 'idToPiece'> | undefined, id: number): string {
  if (id < 0) return '';
  if (!tokenizer) return `#${id}`;
  const p = tokenizer.idToPiece(id);
  const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(p);
  if (byte) return String.fromCharCode(parseInt(byte[1], 16));
  return p.replace(/\u2581/g, ' ');
}
