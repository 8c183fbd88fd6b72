import { StoreError } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import { ResourceMiss, ToolError } from '../toolkit/errors.js';
import { MAX_MESSAGE_DEPTH } from '../transport/message-limits.js';
import type { Call, Middleware, ToolResult } from './types.js';

/**
 * The one error boundary: whatever the inner steps throw becomes a typed
 * {@link ToolError} ({@link toToolError}: unknown errors are masked as
 * `internal` and logged whole on stderr), recorded on the call as
 * `call.error` for the observation step, then
 * - tools: an `isError: true` result whose text is `{"error": {...}}`, with no
 *   `structuredContent`, so it never contradicts the tool's output schema;
 * - resources, prompts, completions (no `isError` channel): the typed error
 *   rethrown, which registration maps to a JSON-RPC error.
 */
export function errorBoundary<Ctx = unknown>(logger: Logger): Middleware<Ctx> {
  return async function errors(call, next) {
    try {
      return await next(call);
    } catch (error) {
      return errorResult(recordError(call, error, logger));
    }
  };
}

/** The error boundary of resources, prompts and completions: records the typed error, then throws it. */
export function protocolErrorBoundary(logger: Logger) {
  return async function protocolErrors<C extends Call<unknown>, R>(call: C, next: (call: C) => Promise<R>): Promise<R> {
    try {
      return await next(call);
    } catch (error) {
      throw recordError(call, error, logger);
    }
  };
}

/**
 * The outermost layer of the tool pipeline: whatever a middleware outside
 * {@link errorBoundary} throws (the observation step) is shaped by the
 * same rules instead of reaching the SDK, which would send its bare message
 * ("Maximum call stack size exceeded") as the result text. Even a logger that
 * throws cannot get past it: the caller then gets `internal`, unlogged.
 */
export function lastResort<Ctx = unknown>(logger: Logger): Middleware<Ctx> {
  return async function lastResortCall(call, next) {
    try {
      return await next(call);
    } catch (error) {
      return errorResult(recordLastError(call, error, logger));
    }
  };
}

/**
 * The outermost layer of the read, prompt and completion pipeline, as
 * {@link lastResort} is for tools: whatever a step outside
 * {@link protocolErrorBoundary} throws (the observation step: an audit
 * writer or a logger failing) is rethrown as a typed error, an unknown one
 * masked as `internal` and logged once, so the SDK never answers with its
 * raw message. A typed error from the inner boundary passes through as is.
 */
export function requestLastResort(logger: Logger) {
  return async function lastResortRequest<C extends Call<unknown>, R>(call: C, next: (call: C) => Promise<R>): Promise<R> {
    try {
      return await next(call);
    } catch (error) {
      throw recordLastError(call, error, logger);
    }
  };
}

function recordError<Ctx>(call: Call<Ctx>, error: unknown, logger: Logger): ToolError {
  const typed = toToolError(error, logger, call.op.label, call.requestId);
  call.error = typed;
  return typed;
}

/** {@link recordError}, for the outermost layers: if logging the error throws too, the caller still gets a masked `internal`. */
function recordLastError<Ctx>(call: Call<Ctx>, error: unknown, logger: Logger): ToolError {
  try {
    return recordError(call, error, logger);
  } catch {
    call.error = internalError();
    return call.error;
  }
}

/**
 * A thrown value as the tool error the caller gets: a {@link ToolError} as is;
 * a {@link ResourceMiss} as `not_found`; a `RangeError` (stack overflow on a
 * deeply nested argument, an array or string too large to build) as
 * `invalid_input`, since only the input can cause it; a store outage as
 * `unavailable`; anything else as `internal` (logged whole).
 */
export function toToolError(error: unknown, logger: Logger, tool: string, requestId: string | number): ToolError {
  if (error instanceof ToolError) return error;
  if (error instanceof ResourceMiss) return new ToolError('not_found', error.message);
  if (error instanceof RangeError) {
    logger.warn({ err: error, tool, requestId }, 'tool arguments too deeply nested or too large to process');
    return new ToolError('invalid_input', `Invalid arguments: too deeply nested or too large to process (${error.message}).`, {
      fields: [{ field: '(arguments)', message: `nest arrays/objects at most ${MAX_MESSAGE_DEPTH} levels deep and keep the call within the size limit` }],
      hint: 'Send a flatter, smaller value; the input schema in tools/list gives the shape each argument takes.',
    });
  }
  if (error instanceof StoreError && error.code === 'unavailable') {
    logger.warn({ err: error.details?.cause ?? error, tool, requestId }, 'store unavailable');
    return new ToolError('unavailable', 'The database is busy or unreachable; nothing was written.', {
      retryAfterMs: 1000,
      hint: 'Retry the same call in a moment (it is safe with the same idempotency_key).',
    });
  }
  logger.error({ err: error, tool, requestId }, 'tool failed with an unexpected error');
  return internalError();
}

function internalError(): ToolError {
  return new ToolError('internal', 'Internal error; the server log has the details. Nothing was written.', {
    hint: 'Retry once; if it fails again, report it with the time of the call.',
  });
}

export function errorResult(error: ToolError): ToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ error: error.toBody() }) }], isError: true };
}
