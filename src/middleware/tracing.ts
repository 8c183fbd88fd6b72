import type { RequestContext } from '../server/context.js';
import { recordReplay, recordToolCall } from '../telemetry/metrics.js';
import { activeSpan, capped } from '../telemetry/tracing.js';
import { outcomeOf } from './outcome.js';
import type { Middleware } from './types.js';

export interface ToolTracingOptions {
  /** Record the call's arguments and result text on the span (`gen_ai.tool.call.arguments` / `.result`, each capped at 4096 characters). */
  content: boolean;
}

/**
 * Tool-call telemetry inside the request span that `server/instrument.ts`
 * opened: counts `taskwire.tool.calls` by tool and outcome and
 * `taskwire.idempotent.replays` for results marked `replayed: true`, and annotates the
 * span with who called (`taskwire.principal`, `taskwire.workspace`), the
 * outcome code (`taskwire.outcome`) and, when enabled, the arguments and
 * result. Outermost in the onion, so it sees every outcome the error boundary shaped.
 */
export function toolTracing(options: ToolTracingOptions): Middleware<RequestContext> {
  return async function tracing(call, next) {
    const result = await next(call);
    const outcome = outcomeOf(result);
    recordToolCall(call.tool.name, outcome);
    // Tools with idempotency keys say so in their output (`replayed: true`).
    if (result.structuredContent?.replayed === true) recordReplay(call.tool.name);
    const span = activeSpan();
    if (span) {
      span.setAttributes({
        'taskwire.principal': call.ctx.caller.actor.principal,
        'taskwire.workspace': call.ctx.caller.workspace,
        'taskwire.outcome': outcome,
      });
      if (options.content) {
        span.setAttribute('gen_ai.tool.call.arguments', capped(JSON.stringify(call.args ?? {})));
        const text = result.content.find((c) => c.type === 'text')?.text;
        if (typeof text === 'string') span.setAttribute('gen_ai.tool.call.result', capped(text));
      }
    }
    return result;
  };
}
