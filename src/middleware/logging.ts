import type { Logger } from '../telemetry/logger.js';
import type { Middleware } from './types.js';

/** Logs one line per tool call on stderr: tool, duration (ms) and outcome (`ok` or the error code). Never the arguments. */
export function callLogging(logger: Logger): Middleware {
  return async function logging(call, next) {
    const started = performance.now();
    const result = await next(call);
    if (logger.isLevelEnabled('debug')) {
      let outcome = 'ok';
      if (result.isError) {
        const text = result.content[0]?.text;
        outcome = typeof text === 'string' && text.startsWith('{"error"') ? (JSON.parse(text).error.code as string) : 'error';
      }
      logger.debug({ tool: call.tool.name, requestId: call.requestId, ms: Math.round((performance.now() - started) * 100) / 100, outcome }, 'tools/call');
    }
    return result;
  };
}
