import type { ConcurrencyGate } from '../guard/concurrency.js';
import type { GuardrailListener } from '../guard/events.js';
import type { Budgets } from '../guard/limiters.js';
import { ToolError } from '../toolkit/errors.js';
import type { Call } from './types.js';

export interface RateLimitOptions<Ctx> {
  budgets: Budgets;
  gate: ConcurrencyGate;
  /** Who pays for the call (the verified principal). */
  principalOf: (ctx: Ctx) => string;
  signalOf?: (ctx: Ctx) => AbortSignal | undefined;
  onGuardrail?: GuardrailListener;
}

/**
 * Per-principal rate limits and the global concurrency cap, for every kind of
 * operation. A read (a tool annotated `readOnlyHint`, a resource read, a
 * prompt get, a completion: `op.readOnly`) spends the principal's read budget,
 * any other call its write budget; then the call takes a slot of the
 * {@link ConcurrencyGate} (waiting for one under load). Refusals throw
 * `rate_limited` with `retryAfterMs`, which the error boundary shapes.
 */
export function rateLimit<Ctx>(options: RateLimitOptions<Ctx>) {
  const { budgets, gate, principalOf, signalOf, onGuardrail } = options;
  return async function rateLimitCall<C extends Call<Ctx>, R>(call: C, next: (call: C) => Promise<R>): Promise<R> {
    const principal = principalOf(call.ctx);
    const kind = call.op.readOnly ? 'read' : 'write';
    const wait = await budgets.take(kind, principal);
    if (wait !== null) {
      onGuardrail?.({ type: 'rate_limited', tool: call.op.label, principal, limit: kind, retryAfterMs: wait });
      throw new ToolError('rate_limited', `Rate limit: too many ${kind === 'read' ? 'reads' : 'writes'} from you this minute; nothing was done.`, {
        retryAfterMs: wait,
        hint: `Wait ${Math.ceil(wait / 1000)} s before calling again; do more per call (batch arguments, larger pages) to need fewer calls.`,
      });
    }
    const slot = gate.tryAcquire(principal) ?? (await gate.acquire(principal, signalOf?.(call.ctx)));
    if (typeof slot !== 'function') {
      onGuardrail?.({ type: 'rate_limited', tool: call.op.label, principal, limit: 'concurrency', retryAfterMs: slot.retryAfterMs });
      throw new ToolError('rate_limited', 'The server is at capacity (too many calls at once); nothing was done.', {
        retryAfterMs: slot.retryAfterMs,
        hint: 'Retry after retryAfterMs; avoid issuing many calls in parallel.',
      });
    }
    try {
      return await next(call);
    } finally {
      slot();
    }
  };
}
