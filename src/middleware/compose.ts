/** Wrap `handler` in `middleware`, first = outermost (Koa/Hono onion order). Called once per definition, never per call. */
export function compose<C, R>(
  middleware: ReadonlyArray<(call: C, next: (call: C) => Promise<R>) => Promise<R>>,
  handler: (call: C) => Promise<R>,
): (call: C) => Promise<R> {
  return middleware.reduceRight<(call: C) => Promise<R>>((next, mw) => (call) => mw(call, next), handler);
}
