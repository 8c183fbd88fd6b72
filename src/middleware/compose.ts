import type { Middleware, ToolHandler } from './types.js';

/** Wrap `handler` in `middleware`, first = outermost (Koa/Hono onion order). */
export function compose<Ctx>(middleware: ReadonlyArray<Middleware<Ctx>>, handler: ToolHandler<Ctx>): ToolHandler<Ctx> {
  return middleware.reduceRight<ToolHandler<Ctx>>((next, mw) => (call) => mw(call, next), handler);
}
