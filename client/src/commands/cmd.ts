// A command is a factory: given the context it returns the handler VS Code calls (rust-analyzer's
// editors/code pattern), so a handler reaches the daemon, settings and views only through `Ctx`.
import type { Ctx } from '../ctx';

// biome-ignore lint/suspicious/noExplicitAny: VS Code passes commands whatever their caller gives.
export type Cmd = (ctx: Ctx) => (...args: any[]) => unknown;
