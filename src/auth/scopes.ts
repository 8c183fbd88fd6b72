import { READ_SCOPE } from './principal.js';

/** Methods that read task data outside `tools/call` and therefore need `tasks:read`. List methods are filtered instead. */
const READ_METHODS = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe', 'subscriptions/listen', 'prompts/get', 'completion/complete']);

/**
 * The scopes a JSON-RPC message (or batch) needs, known before dispatch so the
 * HTTP layer can answer `403 insufficient_scope` naming them (MCP
 * authorization spec, "Scope challenge"): a `tools/call` needs its tool's
 * declared scopes, reads of resources, prompts and completions need
 * `tasks:read`, and so does a 2026 `subscriptions/listen` stream. Anything else (initialize, list methods, notifications, an
 * unknown tool) needs none here: lists are filtered per principal and an
 * unknown tool is answered by the server itself.
 */
export function requiredScopes(message: unknown, toolScopes: ReadonlyMap<string, readonly string[]>): string[] {
  const all = new Set<string>();
  for (const m of Array.isArray(message) ? message : [message]) {
    if (!m || typeof m !== 'object') continue;
    const { method, params } = m as { method?: unknown; params?: { name?: unknown } };
    if (method === 'tools/call' && typeof params?.name === 'string') {
      for (const s of toolScopes.get(params.name) ?? []) all.add(s);
    } else if (typeof method === 'string' && READ_METHODS.has(method)) {
      all.add(READ_SCOPE);
    }
  }
  return [...all];
}
