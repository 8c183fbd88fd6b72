import type { CacheHint, McpServerOptions } from '@modelcontextprotocol/server';
import type { CachePolicy, ResourceDef, ResourceRead } from '../toolkit/define.js';

/**
 * The MCP 2026-07-28 caching hints (server/utilities/caching: `ttlMs`, `cacheScope`) of what this server
 * answers, through the SDK's own mechanism: it fills the fields at its 2026 encode seam only, so 2025-11-25
 * responses never carry them. `tools/call` results are not cacheable (the spec) and get none.
 */

/**
 * The lists and `server/discover`: `{ ttlMs: 0, cacheScope: 'private' }` (the SDK's default, stated here as a
 * decision). Private, because `tools/list`, `prompts/list`, `resources/list` and `resources/templates/list` are
 * filtered by the caller's scopes (server/register.ts). No freshness, because they change while clients are
 * connected (a toolset's `announceListChanged`) and only
 * clients that listen for `list_changed` would learn of it before a TTL ran out.
 */
export const LIST_CACHE_HINTS: NonNullable<McpServerOptions['cacheHints']> = Object.freeze({
  'server/discover': { ttlMs: 0, cacheScope: 'private' },
  'tools/list': { ttlMs: 0, cacheScope: 'private' },
  'prompts/list': { ttlMs: 0, cacheScope: 'private' },
  'resources/list': { ttlMs: 0, cacheScope: 'private' },
  'resources/templates/list': { ttlMs: 0, cacheScope: 'private' },
});

/** A resource's declared cache policy, read once at start-up (see {@link resourceCaching}). */
export interface ResourceCaching<Ctx> {
  /** A fixed policy, registered with the SDK (`registerResource(..., { cacheHint })`). */
  hint?: CacheHint;
  /** A per-read policy: its fields ride on the result itself (the SDK's "handler provided" hint), 2026 requests only. */
  perRead?: (read: ResourceRead, ctx: Ctx) => CachePolicy;
}

/**
 * Read `res.cache` once.
 * @throws Error when a fixed policy has a `ttlMs` that is not a non-negative safe integer, or an unknown scope.
 */
export function resourceCaching<Ctx>(res: ResourceDef<Ctx>): ResourceCaching<Ctx> {
  const { cache } = res;
  if (cache === undefined) return {};
  if (typeof cache === 'function') return { perRead: cache };
  if (!Number.isSafeInteger(cache.ttlMs) || cache.ttlMs < 0) throw new Error(`resource ${res.uri}: cache.ttlMs must be a non-negative integer (ms), got ${cache.ttlMs}`);
  if (cache.scope !== 'public' && cache.scope !== 'private') throw new Error(`resource ${res.uri}: cache.scope must be 'public' or 'private'`);
  return { hint: { ttlMs: cache.ttlMs, cacheScope: cache.scope } };
}

/** A per-read policy as result fields: `ttlMs` floored to a non-negative integer (NaN → 0). */
export function cacheFields(policy: CachePolicy): { ttlMs: number; cacheScope: 'public' | 'private' } {
  const ttl = Math.floor(policy.ttlMs);
  return { ttlMs: Number.isSafeInteger(ttl) && ttl > 0 ? ttl : 0, cacheScope: policy.scope === 'public' ? 'public' : 'private' };
}
