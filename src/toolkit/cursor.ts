import { digest } from './digest.js';
import { ToolError } from './errors.js';

/**
 * Opaque pagination cursors: base64url of `{o: offset, f: fingerprint}`. The
 * fingerprint binds a cursor to the query that produced it, so a cursor reused
 * with different filters is rejected instead of silently paging a different list.
 */

/** A short, stable hash of any JSON value (object keys sorted). */
export function fingerprint(value: unknown): string {
  return digest('sha256', canonicalJson(value), 'base64url').slice(0, 12);
}

/** JSON with object keys sorted at every depth; `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const canonicalOfArgs = new WeakMap<object, string>();

/**
 * {@link canonicalJson} of a call's arguments (`{}` when absent), computed once per arguments object: the audit trail
 * and loop detection both key on it, and nothing changes a call's arguments in place (steps that add one, like the
 * result budget's `max_tokens`, pass a new object).
 */
export function canonicalArgs(args: unknown): string {
  if (args === null || typeof args !== 'object') return canonicalJson(args ?? {});
  let json = canonicalOfArgs.get(args);
  if (json === undefined) {
    json = canonicalJson(args);
    canonicalOfArgs.set(args, json);
  }
  return json;
}

export function encodeCursor(offset: number, query: unknown): string {
  return Buffer.from(JSON.stringify({ o: offset, f: fingerprint(query) })).toString('base64url');
}

/** The offset a cursor points at (0 without one). @throws ToolError `invalid_input` for a foreign or corrupt cursor. */
export function decodeCursor(cursor: string | undefined, query: unknown): number {
  if (cursor === undefined) return 0;
  let parsed: { o?: unknown; f?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = {};
  }
  if (typeof parsed.o !== 'number' || !Number.isSafeInteger(parsed.o) || parsed.o < 0 || typeof parsed.f !== 'string') {
    throw new ToolError('invalid_input', 'Invalid cursor: it is not a cursor this server issued.', {
      fields: [{ field: 'cursor', message: 'pass next_cursor exactly as returned, or omit it for the first page' }],
    });
  }
  if (parsed.f !== fingerprint(query)) {
    throw new ToolError('invalid_input', 'Invalid cursor: it belongs to a query with different filters.', {
      fields: [{ field: 'cursor', message: 'keep the same filters while paging, or omit cursor to start over' }],
    });
  }
  return parsed.o;
}

/** next_cursor for a page, or null when it was the last one. */
export function nextCursor(offset: number, shown: number, total: number, query: unknown): string | null {
  return offset + shown < total ? encodeCursor(offset + shown, query) : null;
}
