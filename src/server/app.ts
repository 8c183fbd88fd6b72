import type { Config } from '../config/schema.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { tracedStore } from '../store/traced.js';
import type { TaskStore } from '../store/types.js';
import { AuditWriter, scheduleAuditPrune } from '../telemetry/audit-writer.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/setup.js';
import { isTracing } from '../telemetry/tracing.js';
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
  /** Process telemetry (set by the CLI after `setupTelemetry`): `GET /metrics` serves its Prometheus reader. */
  telemetry?: Telemetry;
  /** The audit trail's batching writer (absent with `--audit off`); `close` flushes it. */
  audit?: AuditWriter;
  close(): Promise<void>;
}

/**
 * Open the store and build the server factory from a resolved config.
 * @throws SelectionError for an unknown toolset; StoreError `unavailable` when the database cannot be opened.
 */
export function createApp(config: Config, logger: Logger, store?: TaskStore, principal = config.workspace): App {
  const toolsets = selectToolsets(TOOLSETS, config.toolsets);
  const db = store ?? openSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
  const hub = new ChangeHub();
  // Store spans only when spans are recorded at all: untraced serving keeps the bare store.
  const tasks = new TaskService(isTracing() ? tracedStore(db) : db, hub);
  const audit = config.audit ? new AuditWriter(db.audit, logger) : undefined;
  const stopPrune = config.audit ? scheduleAuditPrune(db.audit, config.auditRetentionDays, logger) : () => undefined;
  const factory = createServerFactory({ version: VERSION, tasks, hub, toolsets, logger, traceContent: config.traceContent, audit });
  return {
    store: db,
    hub,
    factory,
    config,
    logger,
    principal,
    audit,
    close: async () => {
      stopPrune();
      await audit?.close(); // buffered rows reach the store before it closes
      await db.close();
    },
  };
}
