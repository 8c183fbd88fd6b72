/**
 * Shape limits every inbound JSON-RPC message must meet on both transports,
 * checked on the raw text before it is parsed or validated. Deep nesting is
 * what recursive code (schema validation, canonical JSON, logging) cannot
 * survive: ~2,300 nested arrays overflow the stack. No MCP message needs more
 * than a dozen levels, so a generous fixed cap loses nothing.
 */

/** Most levels of nested arrays and objects a message may have (the message object itself is level 1). */
export const MAX_MESSAGE_DEPTH = 64;

/** Longest line (one message, bytes, newline excluded) the stdio transport accepts; HTTP bodies are capped by `--max-body-bytes`. */
export const STDIO_MAX_LINE_BYTES = 8 * 1024 * 1024;

/** JSON-RPC 2.0 error codes used by the transports. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/**
 * Whether `text` nests arrays/objects deeper than `max` levels. One iterative
 * pass over the characters (no recursion, no allocation); brackets inside
 * strings do not count. Works on any text: invalid JSON is left to the parser.
 */
export function nestsDeeperThan(text: string, max = MAX_MESSAGE_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** The error message for a message over {@link MAX_MESSAGE_DEPTH}, naming the limit and the fix. */
export function tooDeepMessage(max = MAX_MESSAGE_DEPTH): string {
  return `Invalid Request: the message nests arrays/objects more than ${max} levels deep (limit max_depth=${max}); send a flatter value.`;
}

/** The `error.data` of a limit error: which limit, and its value. */
export function limitData(limit: 'max_depth' | 'max_bytes', max: number): { limit: string; max: number } {
  return { limit, max };
}
