import type { RequestContext } from '../server/context.js';
import type { Logger } from '../telemetry/logger.js';
import { currentTraceId } from '../telemetry/tracing.js';
import { outcomeOf } from './outcome.js';
import type { Middleware } from './types.js';

/**
 * One JSON line per tool call on stderr (level `info`): `tool`, `requestId`,
 * `traceId` (when traced), `principal`, `workspace`, `ms` (duration) and
 * `outcome` (`ok` or the error code). Never the arguments.
 *
 * When the client asked for log messages — `logging/setLevel` on a 2025-era
 * connection, or the `io.modelcontextprotocol/logLevel` envelope key on a
 * 2026 request — the same line goes to it as a request-scoped
 * `notifications/message` (spec 2025-11-25 server/utilities/logging): level
 * `info` for `ok`, `error` for `internal`/`unavailable`, `warning` otherwise;
 * messages below the client's level are not sent.
 */
export function callLogging(logger: Logger): Middleware<RequestContext> {
  return async function logging(call, next) {
    const started = performance.now();
    const result = await next(call);
    const outcome = outcomeOf(result);
    const ms = Math.round((performance.now() - started) * 100) / 100;
    const line = {
      tool: call.tool.name,
      requestId: call.requestId,
      traceId: currentTraceId() ?? undefined,
      principal: call.ctx.caller.actor.principal,
      workspace: call.ctx.caller.workspace,
      ms,
      outcome,
    };
    if (logger.isLevelEnabled('info')) logger.info(line, 'tools/call');
    if (call.ctx.clientLog) {
      const level = outcome === 'ok' ? 'info' : outcome === 'internal' || outcome === 'unavailable' ? 'error' : 'warning';
      await call.ctx.clientLog(level, { message: `${call.tool.name}: ${outcome} in ${ms} ms`, ...line }).catch(() => undefined);
    }
    return result;
  };
}
