// "Analyze This Document" says what it will do: a quick pick of "on" and "off" with the current
// state marked, "on" first so Enter never turns a `.jlp` file's analysis off. Free of `vscode`
// (unit-tested).

export interface AnalyzeItem {
  label: string;
  description: string;
  on: boolean;
}

/** The two choices for a document whose analysis is now `currentlyOn`. */
export function analyzeChoices(currentlyOn: boolean): AnalyzeItem[] {
  return [
    { label: currentlyOn ? 'Keep analysis on' : 'Turn analysis on', description: currentlyOn ? 'on now' : 'colour tokens and show feature hovers', on: true },
    { label: currentlyOn ? 'Turn analysis off' : 'Keep analysis off', description: currentlyOn ? 'clear its colours and hovers' : 'off now', on: false },
  ];
}

/** A command argument that decides without asking: true/'on' or false/'off'. */
export function parseAnalyzeArg(arg: unknown): boolean | undefined {
  if (arg === true || arg === 'on') return true;
  if (arg === false || arg === 'off') return false;
  return undefined;
}
