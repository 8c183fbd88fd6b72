import type { McpServer } from '@modelcontextprotocol/server';
import type { Connection, ServerFactory } from './build.js';
import { handlersRunning } from './instrument.js';

/**
 * Idle server instances for 2026 stateless HTTP requests, so a request reuses
 * an assembled `McpServer` (its handlers over the grant's shared table,
 * server/catalog.ts) instead of building and closing one. Instances are kept per
 * workspace and scope set (the grant decides what an instance registers);
 * they are built with `shared: true`, so everything about the caller (the
 * principal, the client identity) is read from each request, never from the
 * instance (CVE-2026-25536: no state may cross callers).
 *
 * An instance is back in the pool only when its exchange has closed *and* no
 * handler of it still runs (an aborted call that keeps running could otherwise
 * emit notifications on the next caller's transport); the client identity the
 * SDK seeded from the request envelope is cleared on the way back.
 *
 * Bounds: at most `maxIdlePerKey` idle instances per key and `maxKeys` keys
 * (least recently used dropped); instances in flight are not counted.
 */
export class ServerPool {
  private readonly idle = new Map<string, McpServer[]>();

  constructor(
    private readonly build: ServerFactory,
    private readonly maxIdlePerKey = 16,
    private readonly maxKeys = 256,
  ) {}

  /** An instance not serving any request, for `connection`'s workspace and grant (its `principal` is ignored). */
  acquire(connection: Omit<Connection, 'principal' | 'shared'>): McpServer {
    const key = poolKey(connection);
    const list = this.idle.get(key);
    const free = list?.pop();
    if (list) {
      // Most recently used last: the first key is the one to drop.
      this.idle.delete(key);
      this.idle.set(key, list);
    }
    if (free) return free;
    const server = this.build({ ...connection, principal: '', shared: true });
    server.server.onclose = () => this.release(key, server);
    return server;
  }

  /** Idle instances held (all keys). */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  private release(key: string, server: McpServer): void {
    if (server.server.transport !== undefined) return;
    if (handlersRunning(server) > 0) {
      handlersRunning.whenIdle(server, () => this.release(key, server));
      return;
    }
    forgetClient(server);
    let list = this.idle.get(key);
    if (!list) {
      list = [];
      this.idle.set(key, list);
      if (this.idle.size > this.maxKeys) this.idle.delete(this.idle.keys().next().value as string);
    }
    if (list.length < this.maxIdlePerKey && !list.includes(server)) list.push(server);
  }
}

/** Workspace, era, transport and scope set: everything an instance's registration depends on. */
export function poolKey(connection: Pick<Connection, 'workspace' | 'scopes' | 'era' | 'transport'>): string {
  return `${connection.era}\n${connection.transport ?? 'pipe'}\n${connection.workspace}\n${scopeKey(connection.scopes)}`;
}

/** A scope set as a canonical string; `*` for unauthenticated local serving (every scope). */
export function scopeKey(scopes: ReadonlySet<string> | undefined): string {
  return scopes === undefined ? '*' : [...scopes].sort().join(' ');
}

/**
 * The SDK seeds `getClientCapabilities()` / `getClientVersion()` from each
 * request's envelope, but only the keys a request carries: clear them so a
 * request without them never reads the previous caller's (SDK internals).
 */
function forgetClient(server: McpServer): void {
  const inner = server.server as unknown as { _clientCapabilities?: unknown; _clientVersion?: unknown; _loggingLevels?: Map<unknown, unknown> };
  inner._clientCapabilities = undefined;
  inner._clientVersion = undefined;
  inner._loggingLevels?.clear();
}
