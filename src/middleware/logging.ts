import type { RequestContext } from '../server/context.js';
import { callLogOf, type Logger } from '../telemetry/logger.js';
import { currentTraceId } from '../telemetry/tracing.js';
import type { Call } from './types.js';

/**
 * The call log, one of the observation step's sinks (`observe.ts`): one JSON
 * line per call on stderr (level `info`, message = the MCP method:
 * `tools/call`, `resources/read`, ...): `tool` (the operation's label: the
 * tool name, or `resources/read alerts://{state}/active`, `prompts/get emergency_summary`),
 * `requestId`, `traceId` (when traced), `principal`, `workspace`, `ms`
 * (duration) and `outcome` (`ok` or the error code). Never the arguments.
 *
 * When the client asked for log messages — `logging/setLevel` on a 2025-era
 * connection, or the `io.modelcontextprotocol/logLevel` envelope key on a
 * 2026 request — the same line goes to it as a request-scoped
 * `notifications/message` (spec 2025-11-25 server/utilities/logging): level
 * `info` for `ok`, `error` for `internal`/`unavailable`, `warning` otherwise;
 * messages below the client's level are not sent. Resolves once it is sent;
 * never rejects.
 */
export async function logCall(logger: Logger, call: Call<RequestContext>, outcome: string, elapsedMs: number): Promise<void> {
  const ms = Math.round(elapsedMs * 100) / 100;
  const clientLog = call.ctx.clientLog;
  const lines = callLogOf(logger);
  if (!clientLog && !lines.isLevelEnabled('info')) return;
  const line = {
    tool: call.op.label,
    requestId: call.requestId,
    traceId: currentTraceId() ?? undefined,
    principal: call.ctx.caller.actor.principal,
    workspace: call.ctx.caller.workspace,
    ms,
    outcome,
  };
  if (lines.isLevelEnabled('info')) lines.info(line, call.op.method);
  if (clientLog) {
    const level = outcome === 'ok' ? 'info' : outcome === 'internal' || outcome === 'unavailable' ? 'error' : 'warning';
    await clientLog(level, { message: `${call.op.label}: ${outcome} in ${ms} ms`, ...line }).catch(() => undefined);
  }
}
