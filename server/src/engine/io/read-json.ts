// Reading a JSON file with errors that name the file and say whether it was missing or malformed.
import { readRegularFile } from './open-regular';

/** JSON files (configs, labels, indexes) are small; a bigger one is a mistake, not data. */
const MAX_JSON_BYTES = 256 * 2 ** 20;

export function readJsonFile(file: string): unknown {
  const text = readRegularFile(file, { encoding: 'utf8', maxBytes: MAX_JSON_BYTES });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}
