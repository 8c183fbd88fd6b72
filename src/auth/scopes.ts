import { READ_SCOPE } from './principal.js';

/** Methods that read outside `tools/call`: they need the read scope of what they name. List methods are filtered instead. */
const READ_METHODS = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe', 'subscriptions/listen', 'prompts/get', 'completion/complete']);

/**
 * What each served tool, prompt and resource requires: tools and prompts by
 * name, resources by URI scheme (`alerts` for `alerts://CA/active`). A prompt
 * or scheme not listed needs the core read scope.
 */
export interface ScopeTable {
  tools: ReadonlyMap<string, readonly string[]>;
  prompts?: ReadonlyMap<string, readonly string[]>;
  schemes?: ReadonlyMap<string, readonly string[]>;
}

/**
 * The scopes a JSON-RPC message (or batch) needs, known before dispatch so the
 * HTTP layer can answer `403 insufficient_scope` naming them (MCP
 * authorization spec, "Scope challenge"): a `tools/call` needs its tool's
 * declared scopes; reads of resources, prompts and completions need the scopes
 * of what they name (by default the core read scope, `tasks:read`), and so does a 2026
 * `subscriptions/listen` stream. Anything else (initialize, list methods, notifications, an
 * unknown tool) needs none here: lists are filtered per principal and an
 * unknown tool is answered by the server itself.
 */
export function requiredScopes(message: unknown, table: ScopeTable): string[] {
  const all = new Set<string>();
  for (const m of Array.isArray(message) ? message : [message]) {
    if (!m || typeof m !== 'object') continue;
    const { method, params } = m as { method?: unknown; params?: Record<string, unknown> };
    if (method === 'tools/call' && typeof params?.name === 'string') {
      for (const s of table.tools.get(params.name) ?? []) all.add(s);
    } else if (typeof method === 'string' && READ_METHODS.has(method)) {
      for (const s of readScopes(method, params, table)) all.add(s);
    }
  }
  return [...all];
}

function readScopes(method: string, params: Record<string, unknown> | undefined, table: ScopeTable): readonly string[] {
  const ref = method === 'completion/complete' ? (params?.ref as Record<string, unknown> | undefined) : params;
  const name = method === 'prompts/get' || ref?.type === 'ref/prompt' ? ref?.name : undefined;
  if (typeof name === 'string') return table.prompts?.get(name) ?? [READ_SCOPE];
  const uri = typeof ref?.uri === 'string' ? ref.uri : undefined;
  const scheme = uri ? /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase() : undefined;
  return (scheme && table.schemes?.get(scheme)) || [READ_SCOPE];
}
