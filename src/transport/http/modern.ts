import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { App } from '../../server/app.js';
import { ServerPool } from '../../server/pool.js';
import type { Caller } from '../legacy-sessions.js';
import { noteCause } from '../request-scope.js';

interface ModernEntry {
  handler: McpHttpHandler;
  node: ReturnType<typeof toNodeHandler>;
}

/**
 * The stateless 2026 handlers (`createMcpHandler`), one per workspace,
 * created on first use: its event bus only ever carries that workspace's
 * changes, so a `subscriptions/listen` stream never hears of another
 * workspace's. Committed changes and list changes from the app's hub are
 * forwarded to them until {@link stopForwarding}.
 */
export class ModernHandlers {
  readonly #app: App;
  readonly #local: Caller;
  readonly #pool: ServerPool;
  readonly #byWorkspace = new Map<string, ModernEntry>();
  readonly #stops: Array<() => void>;

  /** @param pooledInstances idle server instances kept per workspace and scope set (server/pool.ts). */
  constructor(app: App, local: Caller, pooledInstances: number | undefined) {
    this.#app = app;
    this.#local = local;
    this.#pool = new ServerPool((connection) => app.factory(connection), pooledInstances);
    this.#stops = [
      app.hub.subscribe((event) => {
        const entry = this.#byWorkspace.get(event.workspace);
        if (!entry) return;
        for (const uri of event.uris) entry.handler.notify.resourceUpdated(uri);
      }),
      app.hub.onListChanged((kind) => {
        for (const { handler } of this.#byWorkspace.values()) {
          if (kind === 'tools') handler.notify.toolsChanged();
          else if (kind === 'prompts') handler.notify.promptsChanged();
          else handler.notify.resourcesChanged();
        }
      }),
    ];
  }

  /** The Node handler serving `workspace`. */
  for(workspace: string): ModernEntry['node'] {
    let entry = this.#byWorkspace.get(workspace);
    if (!entry) {
      // Instances are reused across requests of one workspace and scope set (server/pool.ts); the principal of
      // each request reaches its handlers from that request's authInfo, never from the instance.
      const handler = createMcpHandler(
        (ctx) => this.#pool.acquire({ ...((ctx.authInfo?.extra?.caller as Caller | undefined) ?? this.#local), era: 'modern', longLived: false, transport: 'tcp' }),
        {
          legacy: 'reject',
          onerror: (error) => {
            noteCause(error); // logged with the request if it ends in a 5xx (request-scope.ts)
            this.#app.logger.debug({ err: error }, 'modern-era request rejected');
          },
        },
      );
      entry = { handler, node: toNodeHandler(handler, { maxRequestBodySize: this.#app.config.maxBodyBytes }) };
      this.#byWorkspace.set(workspace, entry);
    }
    return entry.node;
  }

  stopForwarding(): void {
    for (const stop of this.#stops) stop();
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.#byWorkspace.values()].map(({ handler }) => handler.close()));
  }
}
