import type { ToolResult } from './types.js';

/**
 * A tool result's outcome code, as logs, metrics, spans and the audit trail
 * report it: `ok`, the structured error's `code` (`not_found`,
 * `rate_limited`, ...) for an `{"error": {...}}` result, or `error` for any
 * other `isError` result.
 */
export function outcomeOf(result: ToolResult): string {
  if (!result.isError) return 'ok';
  const text = result.content[0]?.text;
  if (typeof text === 'string' && text.startsWith('{"error"')) {
    try {
      const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
      if (typeof code === 'string') return code;
    } catch {
      /* not our error body */
    }
  }
  return 'error';
}
