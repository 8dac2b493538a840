// The in-process tests' editor: an LspClient that records what the language server sends and lets a
// test wait for a notification. Members are properties, not prototype methods: the server spreads
// its client ({ ...client }) in places, which would drop prototype methods.
import type { Diagnostic } from 'vscode-languageserver';
import { Methods, type TokenFeaturesParams } from '../../protocol';
import type { LspClient, ProgressReporter } from '../../server/src/lsp/lsp-client';

export class RecordingLspClient implements LspClient {
  readonly sent: { method: string; params: unknown }[] = [];
  readonly errors: string[] = [];
  readonly diagnostics = new Map<string, Diagnostic[]>();
  private waiters: { method: string; pred: (p: never) => boolean; resolve: (p: unknown) => void }[] = [];

  notify = <P>(type: { method: string }, params: P): void => {
    this.sent.push({ method: type.method, params });
    for (const w of [...this.waiters]) {
      if (w.method === type.method && w.pred(params as never)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(params);
      }
    }
  };
  publishDiagnostics = (uri: string, ds: Diagnostic[]): void => void this.diagnostics.set(uri, ds);
  error = (message: string): void => void this.errors.push(message);
  configuration = (): Promise<unknown> => Promise.resolve({});
  progress: LspClient['progress'] = (): Promise<ProgressReporter | undefined> => Promise.resolve(undefined);

  /** The first `method` notification whose params satisfy `pred`, already sent or the next one. */
  next<P>(method: string, pred: (p: P) => boolean, ms = 60_000): Promise<P> {
    const seen = this.sent.find((s) => s.method === method && pred(s.params as P));
    if (seen) return Promise.resolve(seen.params as P);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no ${method} in ${ms} ms`)), ms);
      this.waiters.push({ method, pred: pred as (p: never) => boolean, resolve: (p) => (clearTimeout(t), resolve(p as P)) });
    });
  }

  /** The analysis of `uri` at `version` (`jumplens/tokenFeatures`). */
  tokenFeatures<T extends Pick<TokenFeaturesParams, 'uri' | 'version'> = TokenFeaturesParams>(uri: string, version: number, ms?: number): Promise<T> {
    return this.next<T>(Methods.tokenFeatures, (p) => p.uri === uri && p.version === version, ms);
  }
}
