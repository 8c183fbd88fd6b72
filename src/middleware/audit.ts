import { createHash } from 'node:crypto';
import type { RequestContext } from '../server/context.js';
import type { AuditWriter } from '../telemetry/audit-writer.js';
import { currentTraceId } from '../telemetry/tracing.js';
import { canonicalJson } from '../toolkit/cursor.js';
import { outcomeOf } from './outcome.js';
import type { Middleware } from './types.js';

/** Largest argument JSON kept verbatim in a row (characters); longer is cut and marked. */
const MAX_ARGS_CHARS = 65_536;

/**
 * The audit trail: one row per tool call, whatever its outcome — time,
 * principal, workspace, client name and version, tool, SHA-256 of the
 * arguments' canonical JSON, the arguments themselves for writes (tools not
 * annotated `readOnlyHint`), outcome code, duration (ms), trace id and request
 * id. Rows are handed to an {@link AuditWriter}, which stores them in batches
 * off the response path. Sits outside the error boundary, so rejected calls
 * (invalid input, rate limits) are recorded too.
 */
export function auditTrail(writer: AuditWriter): Middleware<RequestContext> {
  return async function audit(call, next) {
    const time = new Date().toISOString();
    const started = performance.now();
    let outcome = 'internal';
    try {
      const result = await next(call);
      outcome = outcomeOf(result);
      return result;
    } finally {
      const json = canonicalJson(call.args ?? {});
      const write = call.tool.annotations?.readOnlyHint !== true;
      writer.push({
        time,
        workspace: call.ctx.caller.workspace,
        principal: call.ctx.caller.actor.principal,
        client_name: call.ctx.caller.actor.client,
        client_version: call.ctx.clientVersion ?? null,
        tool: call.tool.name,
        args_hash: createHash('sha256').update(json).digest('hex'),
        args: write ? (json.length > MAX_ARGS_CHARS ? `${json.slice(0, MAX_ARGS_CHARS)}…(truncated)` : json) : null,
        outcome,
        duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
        trace_id: currentTraceId(),
        request_id: String(call.requestId),
      });
    }
  };
}
