// Errors as the user reads them: whole, on one line (a notification shows one line per message),
// without vscode-languageclient's "Request ... failed with message:" wrapper in front of the reason.
export function errorText(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  return raw
    .replace(/^Request [\w/.$]+ failed with message: /, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' — ');
}
