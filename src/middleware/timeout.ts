import type { GuardrailListener } from '../guard/events.js';
import { ToolError } from '../toolkit/errors.js';
import type { Call } from './types.js';

export interface TimeoutOptions<Ctx extends { signal: AbortSignal }> {
  /** Default limit per call (ms). */
  defaultMs: number;
  /** Per-operation limits (ms) by `op.label` (the tool name for tools): `--tool-timeouts`. */
  perTool?: Readonly<Record<string, number>>;
  /** How long an aborted handler may take to roll back before `timeout` is answered anyway (ms). */
  graceMs?: number;
  onGuardrail?: GuardrailListener;
  /**
   * The context the handler runs with, given the combined signal; default `{...ctx, signal}`. Taskwire's also
   * sets `caller.signal`, which the domain service checks before committing a write.
   */
  withSignal?: (ctx: Ctx, signal: AbortSignal) => Ctx;
}

type Settled<R> = { ok: true; result: R } | { ok: false; error: unknown };

/**
 * Per-operation time limit (`--tool-timeouts` by label, else the definition's
 * own `timeoutMs`, else the default) and cancellation, for every kind of operation. The handler runs with
 * `ctx.signal` = the client's cancellation (`notifications/cancelled`) OR this
 * call's deadline (and, through {@link TimeoutOptions.withSignal}, `caller.signal`
 * in the domain): a write transaction re-checks it before committing, so an
 * aborted write rolls back. Past the deadline the signal is aborted with a
 * `timeout` error; if the handler then still completes (it committed just
 * before), its result stands; otherwise the caller gets `timeout` (retryable).
 */
export function timeout<Ctx extends { signal: AbortSignal }>(options: TimeoutOptions<Ctx>) {
  const graceMs = options.graceMs;
  const withSignal = options.withSignal ?? ((ctx: Ctx, signal: AbortSignal): Ctx => ({ ...ctx, signal }));
  const perTool = options.perTool ?? {};
  return async function timeoutCall<C extends Call<Ctx>, R>(call: C, next: (call: C) => Promise<R>): Promise<R> {
    const ms = perTool[call.op.label] ?? call.op.timeoutMs ?? options.defaultMs;
    const grace = graceMs ?? Math.min(1000, ms);
    // One controller aborted by the client's signal or the deadline (cheaper than AbortSignal.any on Node 20).
    const deadline = new AbortController();
    const client = call.ctx.signal;
    const forward = () => deadline.abort(client.reason);
    if (client.aborted) forward();
    else client.addEventListener('abort', forward, { once: true });
    const signal = deadline.signal;
    const running: Promise<Settled<R>> = next({ ...call, ctx: withSignal(call.ctx, signal) }).then(
      (result): Settled<R> => ({ ok: true, result }),
      (error: unknown): Settled<R> => ({ ok: false, error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), ms);
    });
    const first = await Promise.race([running, expired]);
    clearTimeout(timer);
    if (first !== 'expired') {
      client.removeEventListener('abort', forward);
      return unwrap(first);
    }

    const error = new ToolError('timeout', `${call.op.label} took longer than its ${ms} ms limit and was stopped; nothing was written.`, {
      retryAfterMs: 1000,
      hint: 'Narrow the request (filters, smaller limit or batch) or retry later.',
    });
    deadline.abort(error);
    options.onGuardrail?.({ type: 'timeout', tool: call.op.label, timeoutMs: ms });
    let graceTimer: NodeJS.Timeout | undefined;
    const gone = new Promise<'gone'>((resolve) => {
      graceTimer = setTimeout(() => resolve('gone'), grace);
    });
    const late = await Promise.race([running, gone]);
    clearTimeout(graceTimer);
    client.removeEventListener('abort', forward);
    if (late !== 'gone' && late.ok) return late.result; // finished (and committed) before it saw the abort
    throw error;
  };
}

function unwrap<R>(settled: Settled<R>): R {
  if (settled.ok) return settled.result;
  throw settled.error;
}
