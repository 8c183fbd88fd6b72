import type { Config } from '../config/schema.js';
import { createGuardrails, type GuardrailOptions, type Guardrails } from '../guard/index.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { TaskStore } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';
import { TOOLSETS } from '../toolsets/index.js';
import { TaskService } from '../toolsets/tasks/service.js';
import { VERSION } from '../version.js';
import { createServerFactory, type ServerFactory } from './build.js';
import { ChangeHub } from './changes.js';
import { selectToolsets } from './select.js';

/** The assembled application: what both transports serve. */
export interface App {
  store: TaskStore;
  hub: ChangeHub;
  factory: ServerFactory;
  config: Config;
  logger: Logger;
  /** Who acts when serving without authentication (the OS user on stdio). */
  principal: string;
  /** Rate limits, timeouts, result budgets, loop hints (README "Guardrails"). */
  guard: Guardrails;
  close(): Promise<void>;
}

/**
 * Open the store and build the server factory from a resolved config.
 * @throws SelectionError for an unknown toolset; StoreError `unavailable` when the database cannot be opened.
 */
export function createApp(config: Config, logger: Logger, store?: TaskStore, principal = config.workspace, guardOptions?: GuardrailOptions): App {
  const toolsets = selectToolsets(TOOLSETS, config.toolsets);
  const db = store ?? openSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
  const hub = new ChangeHub();
  const tasks = new TaskService(db, hub);
  const guard = createGuardrails(config, logger, guardOptions);
  const factory = createServerFactory({ version: VERSION, tasks, hub, toolsets, logger, guardrails: guard.middleware });
  const close = async () => {
    await guard.close();
    await db.close();
  };
  return { store: db, hub, factory, config, logger, principal, guard, close };
}
