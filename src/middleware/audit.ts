import type { RequestContext } from '../server/context.js';
import type { AuditWriter } from '../telemetry/audit-writer.js';
import { currentTraceId } from '../telemetry/tracing.js';
import { canonicalArgs } from '../toolkit/cursor.js';
import { digest } from '../toolkit/digest.js';
import type { Call } from './types.js';

/** Largest argument JSON kept verbatim in a row (characters); longer is cut and marked. */
const MAX_ARGS_CHARS = 65_536;

/**
 * The audit trail, one of the observation step's sinks (`observe.ts`): one
 * row per audited call (tool calls, resource reads, prompt gets), whatever
 * its outcome — start time, principal, workspace, client name and version,
 * `tool` (the operation's label: the tool name, or `resources/read
 * alerts://{state}/active` with the URI template, `prompts/get emergency_summary`), SHA-256 of
 * the arguments' canonical JSON (a read's `{uri, vars}`), the arguments
 * themselves for writes (`op.auditArgs`: tools not annotated `readOnlyHint`),
 * outcome code, duration (ms), trace id and request id. Rows are handed to an
 * {@link AuditWriter}, which stores them in batches off the response path.
 */
export function auditCall(writer: AuditWriter, call: Call<RequestContext>, outcome: string, elapsedMs: number): void {
  const json = canonicalArgs(call.args);
  writer.push({
    time: new Date(Date.now() - elapsedMs).toISOString(),
    workspace: call.ctx.caller.workspace,
    principal: call.ctx.caller.actor.principal,
    client_name: call.ctx.caller.actor.client,
    client_version: call.ctx.clientVersion ?? null,
    tool: call.op.label,
    args_hash: digest('sha256', json, 'hex'),
    args: call.op.auditArgs ? (json.length > MAX_ARGS_CHARS ? `${json.slice(0, MAX_ARGS_CHARS)}…(truncated)` : json) : null,
    outcome,
    duration_ms: Math.round(elapsedMs * 1000) / 1000,
    trace_id: currentTraceId(),
    request_id: String(call.requestId),
  });
}
