/** Methods that read outside `tools/call`: they need the scopes of what they name. List methods are filtered instead. */
const READ_METHODS = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe', 'prompts/get', 'completion/complete']);

/**
 * What each served tool, prompt and resource requires, as the toolsets declare
 * it: tools and prompts by name, resources by URI scheme (`alerts` for
 * `alerts://CA/active`; every resource of a scheme requires the same scopes).
 */
export interface ScopeTable {
  tools: ReadonlyMap<string, readonly string[]>;
  prompts: ReadonlyMap<string, readonly string[]>;
  schemes: ReadonlyMap<string, readonly string[]>;
  /**
   * The scopes every served resource requires, so a caller that may read any
   * one resource holds them (with the tasks toolset alone, its read scope);
   * empty when the served resources share none. Every `subscriptions/listen`
   * stream needs them, whatever it subscribes to, and a credential granted no
   * scope at all is told to step up to them.
   */
  base: readonly string[];
}

/**
 * The scopes a JSON-RPC message (or batch) needs, known before dispatch so the
 * HTTP layer can answer `403 insufficient_scope` naming them (MCP
 * authorization spec, "Scope challenge"):
 * - a `tools/call` needs its tool's declared scopes;
 * - reads of resources (read, subscribe, unsubscribe), prompt gets and
 *   completions need the declared scopes of what they name (a completion: its
 *   prompt's, or its resource template's);
 * - a 2026 `subscriptions/listen` stream needs {@link ScopeTable.base} plus
 *   the scopes of each resource it subscribes to (`notifications.resourceSubscriptions`).
 * Anything else (initialize, list methods, notifications, an unknown tool,
 * prompt or URI scheme) needs none here: lists are filtered per principal and
 * an unknown name is answered by the server itself.
 */
export function requiredScopes(message: unknown, table: ScopeTable): string[] {
  const all = new Set<string>();
  for (const m of Array.isArray(message) ? message : [message]) {
    if (!m || typeof m !== 'object') continue;
    const { method, params } = m as { method?: unknown; params?: Record<string, unknown> };
    if (method === 'tools/call' && typeof params?.name === 'string') {
      for (const s of table.tools.get(params.name) ?? []) all.add(s);
    } else if (method === 'subscriptions/listen') {
      for (const s of listenScopes(params, table)) all.add(s);
    } else if (typeof method === 'string' && READ_METHODS.has(method)) {
      for (const s of readScopes(method, params, table)) all.add(s);
    }
  }
  return [...all];
}

function readScopes(method: string, params: Record<string, unknown> | undefined, table: ScopeTable): readonly string[] {
  const ref = method === 'completion/complete' ? (params?.ref as Record<string, unknown> | undefined) : params;
  const name = method === 'prompts/get' || ref?.type === 'ref/prompt' ? ref?.name : undefined;
  if (typeof name === 'string') return table.prompts.get(name) ?? [];
  return uriScopes(ref?.uri, table);
}

function listenScopes(params: Record<string, unknown> | undefined, table: ScopeTable): string[] {
  const uris = (params?.notifications as { resourceSubscriptions?: unknown } | undefined)?.resourceSubscriptions;
  const named = Array.isArray(uris) ? uris.flatMap((uri) => uriScopes(uri, table)) : [];
  return [...table.base, ...named];
}

function uriScopes(uri: unknown, table: ScopeTable): readonly string[] {
  const scheme = typeof uri === 'string' ? /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() : undefined;
  return (scheme && table.schemes.get(scheme)) || [];
}

/**
 * What an open stream needs of its credential for as long as it is open
 * (re-checked by the HTTP layer): a `subscriptions/listen` stream, what
 * {@link requiredScopes} gave for its request; a 2025 GET stream (no
 * message), which carries its session's resource notifications, the served
 * resources' scopes its credential held when it opened.
 */
export function streamScopes(message: unknown, table: ScopeTable, granted: ReadonlySet<string> | undefined): string[] {
  if (message !== undefined) return requiredScopes(message, table);
  if (granted === undefined) return [];
  return [...new Set([...table.schemes.values()].flat())].filter((s) => granted.has(s));
}
