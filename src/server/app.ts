import { resolve } from 'node:path';
import { SCOPE_TOKEN } from '../auth/principal.js';
import type { ScopeTable } from '../auth/scopes.js';
import { type BusChangeKind, bridge, type ChangeBus, channelName } from '../cluster/bus.js';
import { ConfigError } from '../config/errors.js';
import type { Config } from '../config/schema.js';
import { createGuardrails, type GuardrailOptions, type Guardrails } from '../guard/index.js';
import { AsyncOperations } from '../protocol-tasks/registry.js';
import { openConfiguredStore } from '../store/open.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { tracedStore } from '../store/traced.js';
import { StoreError, type TaskStore } from '../store/types.js';
import { AuditWriter, scheduleAuditPrune } from '../telemetry/audit-writer.js';
import { recordGuardrail } from '../telemetry/guardrail-metrics.js';
import type { Logger } from '../telemetry/logger.js';
import type { Telemetry } from '../telemetry/setup.js';
import { isTracing } from '../telemetry/tracing.js';
import type { Toolset, ToolsetEnv } from '../toolkit/define.js';
import { VERSION } from '../version.js';
import { createServerFactory, type ServerFactory } from './build.js';
import { ChangeHub } from './changes.js';
import type { RequestContext } from './context.js';
import { filterTools, selectToolsets } from './select.js';
import { ResourceWatches } from './watches.js';

/** The assembled application: what both transports serve. */
export interface App {
  store: TaskStore;
  hub: ChangeHub;
  factory: ServerFactory;
  config: Config;
  logger: Logger;
  /** Who acts when serving without authentication (the OS user on stdio). */
  principal: string;
  /** The toolsets served: selected by `--toolsets`, tools filtered by `--tools`, `--exclude-tools` and `--read-only`. */
  toolsets: Toolsets;
  /** Tools', prompts' and resource schemes' scopes, for the HTTP layer's scope challenge. */
  scopeTable: ScopeTable;
  /** Every scope the served toolsets declare (RFC 9728 `scopes_supported`). */
  scopes: readonly string[];
  /** The declared scopes marked `operator` (`ScopeDeclaration.operator`): with authentication on, `GET /metrics` needs one of them. */
  operatorScopes: readonly string[];
  /** Watches of resources an upstream changes, held while someone subscribes (2025 subscribe, 2026 listen). */
  watches: ResourceWatches<RequestContext>;
  /** The cross-process change bus, when {@link openApp} opened one (several replicas, or processes on one SQLite file). */
  bus?: ChangeBus;
  /** Rate limits, timeouts, result budgets, loop hints (README "Guardrails"). */
  guard: Guardrails;
  /** Process telemetry (set by the CLI after `setupTelemetry`): `GET /metrics` serves its Prometheus reader. */
  telemetry?: Telemetry;
  /** The audit trail's batching writer (absent with `--audit off`); `close` flushes it. */
  audit?: AuditWriter;
  /** Async operations of the MCP Tasks extension (per process; README "Guardrails"). */
  operations: AsyncOperations;
  close(): Promise<void>;
}

/** What the app is built from: the loaded toolsets the composition root passes (`loadToolsets`, src/toolsets/manifests.ts). */
export type Toolsets = ReadonlyArray<Toolset<RequestContext>>;

/**
 * Open the store and build the server factory from a resolved config, serving
 * the toolsets `config.toolsets` selects among `available`. Each selected
 * toolset's dependencies are built (`createDeps`), then its background work
 * started (`start`); `close()` stops and closes them in reverse.
 * @throws SelectionError for an unknown toolset or tool name; ConfigError from a toolset's `createDeps`
 *   or for a scope no toolset declares; StoreError `unavailable` when the database cannot be opened.
 */
export function createApp(available: Toolsets, config: Config, logger: Logger, store?: TaskStore, principal = config.workspace, guardOptions?: GuardrailOptions): App {
  const toolsets = filterTools(selectToolsets(available, config.toolsets), {
    readOnly: config.readOnly,
    tools: config.tools,
    excludeTools: config.excludeTools,
  });
  const scopes = checkScopes(toolsets);
  const operatorScopes = toolsets.flatMap((t) => Object.entries(t.scopes).flatMap(([scope, d]) => (typeof d === 'object' && d.operator ? [scope] : [])));
  const db = store ?? openSqliteStore({ path: config.db, synchronous: config.sqliteSynchronous });
  const hub = new ChangeHub();
  // Store spans only when spans are recorded at all: untraced serving keeps the bare store.
  const env: ToolsetEnv = { config, store: isTracing() ? tracedStore(db, config.traceStore) : db, changed: (workspace, uris) => hub.changed(workspace, uris), logger };
  let toolsetDeps: Record<string, unknown>;
  try {
    toolsetDeps = buildToolsetDeps(toolsets, env);
  } catch (error) {
    if (!store) void db.close();
    throw error;
  }
  const guard = createGuardrails(config, logger, { onGuardrail: recordGuardrail, pgSchema: config.databaseSchema, ...guardOptions });
  const audit = config.audit ? new AuditWriter(db.audit, logger) : undefined;
  const stopPrune = config.audit ? scheduleAuditPrune(db.audit, config.auditRetentionDays, logger) : () => undefined;
  const watches = new ResourceWatches(
    toolsets.flatMap((t) => t.resources),
    toolsetDeps,
    hub,
    logger,
  );
  const operations = new AsyncOperations({ ttlMs: config.asyncOpTtlMs, maxPerOwner: config.maxAsyncOpsPerPrincipal });
  const factory = createServerFactory({
    version: VERSION,
    hub,
    toolsets,
    toolsetDeps,
    watches,
    logger,
    guardrails: guard.steps,
    traceContent: config.traceContent,
    audit,
    operations,
  });
  const scopeTable = scopeTableOf(toolsets);
  // Last, once nothing above can throw: background work (retention timers) runs until close.
  const stops = toolsets.flatMap((t) => (t.start ? [t.start(toolsetDeps, env)] : []));
  const close = async () => {
    await operations.close(); // aborts running operations (an import in flight rolls back) and waits for them
    stopPrune();
    for (const stop of stops.reverse()) await stop();
    await guard.close();
    await audit?.close(); // buffered rows reach the store before it closes
    watches.close();
    await closeToolsetDeps(toolsetDeps); // before the store: a toolset's service may still be finishing a write
    await db.close();
  };
  return { store: db, hub, factory, config, logger, principal, toolsets, scopeTable, scopes, operatorScopes, watches, guard, audit, operations, close };
}

/**
 * The scopes the toolsets declare.
 * @throws ConfigError when a tool, resource or prompt requires a scope no served toolset declares as
 *   `<toolset>:<permission>` (no credential could be issued for it), or when resources of one URI scheme
 *   require different scopes (the HTTP scope challenge finds a resource's scopes by its scheme).
 */
export function checkScopes(toolsets: Toolsets): string[] {
  const declared = new Set(toolsets.flatMap((t) => Object.keys(t.scopes)));
  const bySchemes = new Map<string, { name: string; scopes: string }>();
  for (const set of toolsets) {
    const required = [...set.tools, ...set.resources, ...set.prompts].map((part) => [part.name, part.scopes] as const);
    for (const [name, needs] of required) {
      const missing = needs.filter((s) => !declared.has(s) || !SCOPE_TOKEN.test(s));
      if (missing.length) throw new ConfigError(`toolset ${set.id}: ${name} requires ${missing.join(', ')}, which no toolset declares as <toolset>:<permission>`);
    }
    for (const res of set.resources) {
      const scopes = [...res.scopes].sort().join(' ');
      const other = bySchemes.get(schemeOf(res.uri));
      if (other && other.scopes !== scopes) {
        throw new ConfigError(`toolset ${set.id}: ${res.name} requires [${scopes}] but ${other.name}, of the same URI scheme, requires [${other.scopes}]`);
      }
      bySchemes.set(schemeOf(res.uri), { name: res.name, scopes });
    }
  }
  return [...declared];
}

/** What the served parts require, for the HTTP layer's scope challenge (auth/scopes.ts). */
function scopeTableOf(toolsets: Toolsets): ScopeTable {
  const resources = toolsets.flatMap((t) => t.resources);
  return {
    tools: new Map(toolsets.flatMap((t) => t.tools.map((tool) => [tool.name, tool.scopes] as const))),
    prompts: new Map(toolsets.flatMap((t) => t.prompts.map((p) => [p.name, p.scopes] as const))),
    schemes: new Map(resources.map((r) => [schemeOf(r.uri), r.scopes] as const)),
    // The scopes every served resource requires.
    base: resources.length === 0 ? [] : resources.map((r) => r.scopes).reduce((common, scopes) => common.filter((s) => scopes.includes(s))),
  };
}

const schemeOf = (uri: string) => (uri.split(':')[0] as string).toLowerCase();

/** Each selected toolset's dependencies, by id. @throws the toolset's configuration error. */
function buildToolsetDeps(toolsets: Toolsets, env: ToolsetEnv): Record<string, unknown> {
  const built: Record<string, unknown> = {};
  try {
    for (const set of toolsets) if (set.createDeps) built[set.id] = set.createDeps(env);
  } catch (error) {
    void closeToolsetDeps(built);
    throw error;
  }
  return built;
}

async function closeToolsetDeps(deps: Record<string, unknown>): Promise<void> {
  for (const dep of Object.values(deps)) await (dep as { close?: () => Promise<void> | void })?.close?.();
}

/**
 * Open what the config names and build the app: the store (PostgreSQL when
 * `databaseUrl` is set, else the SQLite file), then the change bus
 * (`changeBus`: PostgreSQL LISTEN/NOTIFY, Redis pub/sub, the SQLite file's
 * change history, or none), bridged to the app's {@link ChangeHub} so
 * subscribers hear about changes committed by other replicas or processes.
 * `close()` closes the bus, then the store.
 *
 * @throws ConfigError for a bus the config cannot serve (`postgres` without a
 *   database URL, `redis` without a Redis URL, `sqlite` without a SQLite
 *   file); SelectionError for an unknown toolset; StoreError `unavailable`
 *   when the database or the bus cannot be reached (the default SQLite bus
 *   failing to open is logged at warn instead, and the app serves without it).
 */
export async function openApp(available: Toolsets, config: Config, logger: Logger, principal = config.workspace, guardOptions?: GuardrailOptions): Promise<App> {
  const kind = busKind(config);
  const store = await openConfiguredStore(config);
  let app: App;
  try {
    app = createApp(available, config, logger, store, principal, guardOptions);
  } catch (error) {
    await store?.close();
    throw error;
  }
  if (kind === 'local') return app;
  const changes = app.toolsets.flatMap((t) => (t.changes ? [t.changes] : []));
  const urisOf = (taskIds: Iterable<number>) => {
    const ids = [...taskIds];
    return changes.flatMap((c) => c.ofStoredTasks?.(ids) ?? []);
  };
  let bus: ChangeBus;
  try {
    if (kind === 'sqlite') bus = (await import('../cluster/sqlite-bus.js')).openSqliteBus({ path: config.db, origin: app.store.origin, logger, urisOf });
    else if (kind === 'postgres') {
      bus = await (await import('../cluster/postgres-bus.js')).openPostgresBus({ connectionString: config.databaseUrl as string, channel: busChannel(config), logger });
    } else bus = await (await import('../cluster/redis-bus.js')).openRedisBus({ url: config.redisUrl as string, channel: busChannel(config), logger });
  } catch (error) {
    if (kind === 'sqlite' && config.changeBus === 'auto') {
      // The default on a file: serving without hearing other processes beats not serving.
      logger.warn({ err: error }, 'cannot read the SQLite change history: changes of other processes on this file are not delivered');
      return app;
    }
    await app.close();
    throw new StoreError('unavailable', `cannot open the ${kind} change bus: ${(error as Error).message}`, { cause: error });
  }
  const unbridge = bridge(app.hub, bus, {
    resyncUris: changes.flatMap((c) => c.resync),
    accepts: (uri) => changes.some((c) => c.pattern.test(uri)),
  });
  logger.info({ bus: kind }, 'change bus connected');
  return {
    ...app,
    bus,
    close: async () => {
      unbridge();
      await bus.close();
      await app.close();
    },
  };
}

/**
 * Which bus `config.changeBus` means once `auto` is resolved: `postgres` on
 * PostgreSQL, `sqlite` on a SQLite file (other processes on the same file),
 * `local` on `:memory:`.
 * @throws ConfigError when it cannot work.
 */
export function busKind(config: Config): BusChangeKind {
  const kind = config.changeBus === 'auto' ? (config.databaseUrl ? 'postgres' : config.db === ':memory:' ? 'local' : 'sqlite') : config.changeBus;
  if (kind === 'sqlite' && (config.databaseUrl || config.db === ':memory:')) {
    throw new ConfigError('--change-bus (TASKWIRE_CHANGE_BUS): sqlite needs a SQLite database file (--db), not --database-url or :memory:');
  }
  if (kind === 'postgres' && !config.databaseUrl) {
    throw new ConfigError('--change-bus (TASKWIRE_CHANGE_BUS): postgres needs --database-url (DATABASE_URL)');
  }
  if (kind === 'redis' && !config.redisUrl) throw new ConfigError('--change-bus (TASKWIRE_CHANGE_BUS): redis needs --redis-url (TASKWIRE_REDIS_URL)');
  return kind;
}

/**
 * The bus channel of a deployment, named after what every replica shares: the
 * PostgreSQL database and schema, else the SQLite file.
 */
export function busChannel(config: Config): string {
  if (config.databaseUrl) return channelName(`postgres:${new URL(config.databaseUrl).pathname}:${config.databaseSchema}`);
  return channelName(`sqlite:${resolve(config.db)}`);
}
