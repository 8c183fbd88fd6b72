import type { Config } from '../config/schema.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { TaskStore } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import { TOOLSETS } from '../toolsets/index.js';
import { TaskService } from '../toolsets/tasks/service.js';
import { VERSION } from '../version.js';
import { createServerFactory, type ServerFactory } from './build.js';
import { ChangeHub } from './changes.js';
import { filterTools, selectToolsets } from './select.js';

/** The assembled application: what both transports serve. */
export interface App {
  store: TaskStore;
  hub: ChangeHub;
  factory: ServerFactory;
  config: Config;
  logger: Logger;
  /** Who acts when serving without authentication (the OS user on stdio). */
  principal: string;
  /** Scopes of every served tool by name (what `tools/call` of it needs), for the HTTP layer's scope challenge. */
  toolScopes: ReadonlyMap<string, readonly string[]>;
  close(): Promise<void>;
}

/**
 * Open the store and build the server factory from a resolved config.
 * @throws SelectionError for an unknown toolset or tool name; StoreError `unavailable` when the database cannot be opened.
 */
export function createApp(config: Config, logger: Logger, store?: TaskStore, principal = config.workspace): App {
  const toolsets = filterTools(selectToolsets(TOOLSETS, config.toolsets), {
    readOnly: config.readOnly,
    tools: config.tools,
    excludeTools: config.excludeTools,
  });
  const db = store ?? openSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
  const hub = new ChangeHub();
  const tasks = new TaskService(db, hub);
  const factory = createServerFactory({ version: VERSION, tasks, hub, toolsets, logger });
  const toolScopes = new Map(toolsets.flatMap((t) => t.tools.map((tool) => [tool.name, tool.scopes] as const)));
  return { store: db, hub, factory, config, logger, principal, toolScopes, close: () => db.close() };
}
