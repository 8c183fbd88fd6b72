import type { RequestContext } from '../server/context.js';
import { recordReplay, recordToolCall } from '../telemetry/metrics.js';
import { activeSpan, capped } from '../telemetry/tracing.js';
import type { Call, ToolResult } from './types.js';

/**
 * Spans and metrics, one of the observation step's sinks (`observe.ts`),
 * inside the request span that `server/instrument.ts` opened:
 * - every operation annotates the span with who called
 *   (`taskwire.principal`, `taskwire.workspace`) and the outcome code
 *   (`taskwire.outcome`);
 * - tool calls also count `taskwire.tool.calls` by tool and outcome and
 *   `taskwire.idempotent.replays` for results marked `replayed: true`, and,
 *   with `content`, record the arguments and result text on the span
 *   (`gen_ai.tool.call.arguments` / `.result`, each capped at 4096 characters).
 * (Reads, prompts and completions are timed by `mcp.server.operation.duration`.)
 */
export function traceCall(call: Call<RequestContext>, result: unknown, outcome: string, content: boolean): void {
  const isTool = call.op.kind === 'tool';
  const toolResult = isTool ? (result as ToolResult | undefined) : undefined;
  if (isTool) {
    recordToolCall(call.op.name, outcome);
    // Tools with idempotency keys say so in their output (`replayed: true`).
    if (toolResult?.structuredContent?.replayed === true) recordReplay(call.op.name);
  }
  const span = activeSpan();
  if (!span) return;
  span.setAttributes({
    'taskwire.principal': call.ctx.caller.actor.principal,
    'taskwire.workspace': call.ctx.caller.workspace,
    'taskwire.outcome': outcome,
  });
  if (content && isTool) {
    span.setAttribute('gen_ai.tool.call.arguments', capped(JSON.stringify(call.args ?? {})));
    const text = toolResult?.content.find((c) => c.type === 'text')?.text;
    if (typeof text === 'string') span.setAttribute('gen_ai.tool.call.result', capped(text));
  }
}
