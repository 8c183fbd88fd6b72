import { CallAbort } from '../guard/call-abort.js';
import { Deadlines } from '../guard/deadlines.js';
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
   * The context the handler runs with, given the call's {@link CallAbort}; default `ctx` with `signal` reading
   * `abort.signal` (made on first read). Taskwire's also sets `caller.signal` to `abort` itself, which the domain
   * service checks before committing a write.
   */
  withAbort?: (ctx: Ctx, abort: CallAbort) => Ctx;
}

/**
 * Per-operation time limit (`--tool-timeouts` by label, else the definition's
 * own `timeoutMs`, else the default) and cancellation, for every kind of operation. The handler runs with
 * `ctx.signal` = the client's cancellation (`notifications/cancelled`) OR this
 * call's deadline (and, through {@link TimeoutOptions.withAbort}, `caller.signal`
 * in the domain): a write transaction re-checks it before committing, so an
 * aborted write rolls back. Past the deadline the signal is aborted with a
 * `timeout` error; if the handler then still completes (it committed just
 * before), its result stands; otherwise the caller gets `timeout` (retryable).
 */
export function timeout<Ctx extends { signal: AbortSignal }>(options: TimeoutOptions<Ctx>) {
  const graceMs = options.graceMs;
  const withAbort = options.withAbort ?? signalFrom;
  const perTool = options.perTool ?? {};
  const deadlines = new Deadlines(); // one timer for every call in flight (guard/deadlines.ts)
  return function timeoutCall<C extends Call<Ctx>, R>(call: C, next: (call: C) => Promise<R>): Promise<R> {
    const ms = perTool[call.op.label] ?? call.op.timeoutMs ?? options.defaultMs;
    const grace = graceMs ?? Math.min(1000, ms);
    // The client's signal or the deadline; an AbortSignal only if the handler asks for one (call-abort.ts).
    const abort = new CallAbort(call.ctx.signal);
    // One promise per call, settled by whichever comes first: the handler, or the deadline plus its grace.
    return new Promise<R>((resolve, reject) => {
      let expired: ToolError | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      const settle = () => {
        cancelDeadline();
        clearTimeout(graceTimer);
        abort.dispose();
      };
      const cancelDeadline = deadlines.add(ms, () => {
        expired = new ToolError('timeout', `${call.op.label} took longer than its ${ms} ms limit and was stopped; nothing was written.`, {
          retryAfterMs: 1000,
          hint: 'Narrow the request (filters, smaller limit or batch) or retry later.',
        });
        abort.expire(expired);
        options.onGuardrail?.({ type: 'timeout', tool: call.op.label, timeoutMs: ms });
        graceTimer = setTimeout(() => {
          settle();
          reject(expired);
        }, grace);
      });
      const done = (result: R) => {
        settle();
        resolve(result); // also after the deadline, within the grace: it finished (and committed) before it saw the abort
      };
      const failed = (error: unknown) => {
        settle();
        reject(expired ?? error);
      };
      try {
        next({ ...call, ctx: withAbort(call.ctx, abort) }).then(done, failed);
      } catch (error) {
        failed(error);
      }
    });
  };
}

/** `ctx` whose `signal` is the call's (made when first read); spreading the result reads it. */
function signalFrom<Ctx extends { signal: AbortSignal }>(ctx: Ctx, abort: CallAbort): Ctx {
  return {
    ...ctx,
    get signal() {
      return abort.signal;
    },
  };
}
