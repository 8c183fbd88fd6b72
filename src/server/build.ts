import { CLIENT_INFO_META_KEY, LOG_LEVEL_META_KEY, McpServer, ProtocolError, ProtocolErrorCode, type ServerContext } from '@modelcontextprotocol/server';
import { missingScopes } from '../auth/principal.js';
import { toolOperation } from '../middleware/operation.js';
import { createPipeline, type GuardrailSteps } from '../middleware/pipeline.js';
import type { ToolHandler } from '../middleware/types.js';
import { attachProtocolTasks } from '../protocol-tasks/attach.js';
import type { AsyncOperations } from '../protocol-tasks/registry.js';
import type { AuditWriter } from '../telemetry/audit-writer.js';
import type { Logger } from '../telemetry/logger.js';
import type { Toolset } from '../toolkit/define.js';
import { hasForbiddenChar } from '../toolkit/unsafe-text.js';
import { LIST_CACHE_HINTS } from './cache-hints.js';
import type { ChangeHub } from './changes.js';
import { type RequestContext, withCallSignal } from './context.js';
import { iconsFor } from './icons.js';
import { SERVER_ICON, SERVER_IDENTITY } from './identity.js';
import { instrumentRequests } from './instrument.js';
import { scopeKey } from './pool.js';
import { invokeTool, prepareRegistration } from './register.js';
import { requestState } from './request-state.js';
import type { ResourceWatches } from './watches.js';

/** Long-lived parts shared by every request: built once at start-up. */
export interface AppDeps {
  /** Reported as `serverInfo.version`. */
  version: string;
  hub: ChangeHub;
  /** Already selected (see `select.ts`). */
  toolsets: ReadonlyArray<Toolset<RequestContext>>;
  /** Watches of resources that change outside the server, started while a 2025-era connection subscribes. */
  watches?: ResourceWatches<RequestContext>;
  /** The selected toolsets' dependencies by toolset id (`Toolset.createDeps`), handed to every handler as `ctx.deps`. */
  toolsetDeps?: Readonly<Record<string, unknown>>;
  logger: Logger;
  /** The guardrail steps (src/guard/index.ts), placed in the onion by middleware/pipeline.ts; none when absent. */
  guardrails?: GuardrailSteps;
  /** Record tool arguments and results on spans (config `trace-content`); default true. */
  traceContent?: boolean;
  /** Where audit rows go (config `audit`); no audit trail when absent. */
  audit?: AuditWriter;
  /**
   * Async operations of the MCP Tasks extension (`io.modelcontextprotocol/tasks`),
   * served to 2026-07-28 connections; without it tools only run in-call.
   */
  operations?: AsyncOperations;
}

/** Who and what one server instance serves. */
export interface Connection {
  era: 'legacy' | 'modern';
  /** The authenticated workspace (or `--workspace` when serving without authentication). */
  workspace: string;
  /** The authenticated principal id (or the local user / `--workspace` without authentication). */
  principal: string;
  /**
   * Scopes granted to the principal; `undefined` = unauthenticated local
   * serving, which may use everything selected. Tools, resources, templates
   * and prompts whose declared scopes are not all granted are not served
   * (neither listed nor callable), nor are completions of what is not; without
   * any resource, no subscriptions.
   */
  scopes?: ReadonlySet<string>;
  /**
   * True when the instance lives as long as the client's connection (stdio, a
   * 2025 HTTP session): it then delivers resource-update notifications itself.
   * Per-request instances (2026 HTTP) never hold listeners.
   */
  longLived: boolean;
  /** `network.transport` for telemetry: `pipe` (stdio, in-process) or `tcp` (HTTP); default `pipe`. */
  transport?: 'pipe' | 'tcp';
  /**
   * The instance serves successive requests of any principal of this workspace
   * and scope set (server/pool.ts): `principal` is then ignored, and each
   * request's caller comes from its own `authInfo.extra.caller` (set by the
   * HTTP transport from the verified credential); a request without one, or of
   * another workspace or scope set, is refused. Client identity is read from
   * the request envelope only.
   */
  shared?: boolean;
}

/** The verified caller the HTTP transport attaches to each request (`authInfo.extra.caller`). */
export interface RequestCaller {
  workspace: string;
  principal: string;
  scopes?: ReadonlySet<string>;
}

export type ServerFactory = (connection: Connection) => McpServer;

/**
 * Precompute everything that does not depend on the caller (tool tables,
 * middleware, instructions) and return the factory that assembles one
 * `McpServer` per connection or per request. Assembly is cheap: registration
 * reuses cached JSON Schemas (toolkit/advertise.ts).
 */
export function createServerFactory(deps: AppDeps): ServerFactory {
  const tools = deps.toolsets.flatMap((t) => t.tools);
  const resources = deps.toolsets.flatMap((t) => t.resources);
  const prompts = deps.toolsets.flatMap((t) => t.prompts);
  // The onion, declared once in middleware/pipeline.ts, around tools/call, resources/read, prompts/get and completion/complete.
  const pipeline = createPipeline({ logger: deps.logger, traceContent: deps.traceContent ?? true, audit: deps.audit, guardrails: deps.guardrails });
  const instructions = deps.toolsets
    .map((t) => t.instructions)
    .filter(Boolean)
    .join('\n\n');
  const serverInfo = { ...SERVER_IDENTITY, version: deps.version, icons: iconsFor(SERVER_ICON) };
  const toolsetDeps = deps.toolsetDeps ?? {};
  const knownNames = { tools: new Set(tools.map((t) => t.name)), prompts: new Set(prompts.map((p) => p.name)) };
  // A toolset's icon marks its prompts and resources, not its tools: on every tool it would add ~190
  // tokens each to tools/list (16 tools: 4,834 → 8,018 tokens, o200k_base, measured), which hosts may put in context.
  const icons = new Map(
    deps.toolsets.flatMap((t) => {
      if (!t.icon) return [];
      const set = iconsFor(t.icon);
      return [...t.resources, ...t.prompts].map((part) => [part.name, set] as const);
    }),
  );
  const register = prepareRegistration<RequestContext>({ tools, resources, prompts, pipeline, icons });
  const runTool = pipeline.tool(invokeTool as ToolHandler<RequestContext>);
  const toolOps = new Map(tools.map((t) => [t, toolOperation(t)]));

  return (connection) => {
    const instanceScopes = connection.shared ? scopeKey(connection.scopes) : '';
    /** Who sent this request: the connection's principal, or (shared instances) the request's own verified caller. */
    const principalOf = (sdk: ServerContext): string => {
      if (!connection.shared) return connection.principal;
      const caller = (sdk.http?.authInfo?.extra as { caller?: RequestCaller } | undefined)?.caller;
      if (!caller || caller.workspace !== connection.workspace || scopeKey(caller.scopes) !== instanceScopes) {
        throw new ProtocolError(ProtocolErrorCode.InternalError, 'The request carries no verified caller of this server instance.');
      }
      return caller.principal;
    };
    const server = new McpServer(serverInfo, {
      capabilities: {
        resources: { subscribe: true, listChanged: true },
        completions: {},
        logging: {},
      },
      requestState: { verify: requestState.verify },
      cacheHints: LIST_CACHE_HINTS, // resources/read: each resource's own (ResourceDef.cache, server/register.ts)
      ...(instructions ? { instructions } : {}),
    });

    const context = (sdk: ServerContext): RequestContext => ({
      caller: {
        workspace: connection.workspace,
        actor: { principal: principalOf(sdk), client: clientName(server, sdk, connection), client_version: clientVersion(server, sdk, connection) ?? null },
        ...(connection.scopes ? { scopes: connection.scopes } : {}),
        signal: sdk.mcpReq.signal,
      },
      clientVersion: clientVersion(server, sdk, connection),
      ...(clientAskedForLogs(server, sdk, connection) ? { clientLog: (level, data) => sdk.mcpReq.log(level, data, 'taskwire') } : {}),
      deps: toolsetDeps,
      announceListChanged: (kind) => deps.hub.listChanged(kind),
      signal: sdk.mcpReq.signal,
      progress: async (progress, total, message) => {
        const progressToken = sdk.mcpReq._meta?.progressToken;
        if (progressToken === undefined) return;
        await sdk.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total, message } });
      },
      sdk,
    });

    const grant = { holds: (scopes: readonly string[]) => missingScopes(connection.scopes, scopes).length === 0 };
    // Instances of one scope set share one table of what they list and serve (server/catalog.ts); nothing in it is per caller.
    register(server, context, grant, connection.era, scopeKey(connection.scopes));
    if (deps.operations && connection.era === 'modern') {
      attachProtocolTasks<RequestContext>(server, {
        operations: deps.operations,
        workspace: connection.workspace,
        principal: principalOf,
        tools: new Map(tools.filter((t) => t.taskSupport && grant.holds(t.scopes)).map((t) => [t.name, t])),
        context,
        // An async operation outlives its request: its own signal, progress as statusMessage, input via tasks/update.
        detach: (ctx, op) => {
          const { clientLog: _omitted, ...rest } = ctx;
          return {
            ...withCallSignal(rest, op.signal),
            progress: async (progress, total, message) => op.progress(message ?? (total === undefined ? `${progress}` : `${progress} of ${total}`)),
            requestInput: op.requestInput,
          };
        },
        run: (tool, args, ctx, requestId) => runTool({ op: toolOps.get(tool) ?? toolOperation(tool), tool, args, ctx, requestId }),
      });
    }
    // Subscriptions are to resources: a caller who sees none has nothing to subscribe to.
    if (resources.some((r) => grant.holds(r.scopes))) registerSubscriptions(server, connection, deps);
    // Last: it wraps the handlers registered so far (and any later) once each, including the tools/call wrapper above.
    instrumentRequests(server, connection.transport ?? 'pipe', knownNames);
    return server;
  };
}

/** The identity the SDK holds for the instance's client; never consulted on a shared instance (the request's envelope names its client). */
const initialized = (server: McpServer, connection: Connection) => (connection.shared ? undefined : server.server.getClientVersion());

function clientName(server: McpServer, sdk: ServerContext, connection: Connection): string | null {
  const modern = (sdk.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_INFO_META_KEY] as { name?: string } | undefined;
  const name = modern?.name ?? initialized(server, connection)?.name;
  // Client-supplied and stored as provenance: bounded, and never carrying invisible characters.
  return typeof name === 'string' && name.length > 0 && !hasForbiddenChar(name) ? name.slice(0, 100) : null;
}

/**
 * Did the client ask for log messages? 2026: the request's `logLevel` envelope
 * key. 2025: a `logging/setLevel` on this connection, which the SDK keeps in
 * its (internal) per-session level map. Without either, Taskwire sends none:
 * the spec leaves it to the server, and unasked-for notifications are noise.
 */
function clientAskedForLogs(server: McpServer, sdk: ServerContext, connection: Connection): boolean {
  if ((sdk.mcpReq.envelope as Record<string, unknown> | undefined)?.[LOG_LEVEL_META_KEY] !== undefined) return true;
  if (connection.shared) return false;
  const levels = (server.server as unknown as { _loggingLevels?: Map<unknown, unknown> })._loggingLevels;
  return levels !== undefined && levels.size > 0;
}

function clientVersion(server: McpServer, sdk: ServerContext, connection: Connection): string | null {
  const modern = (sdk.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_INFO_META_KEY] as { version?: string } | undefined;
  const version = modern?.version ?? initialized(server, connection)?.version;
  return typeof version === 'string' && version.length > 0 && !hasForbiddenChar(version) ? version.slice(0, 100) : null;
}

/**
 * Resource subscriptions. 2025 era: `resources/subscribe` / `unsubscribe` keep a
 * per-connection set and updates go to subscribed URIs only. 2026 era on a
 * long-lived connection (stdio): every update is handed to the SDK, which
 * delivers it on matching `subscriptions/listen` streams. Only changes of the
 * connection's own workspace are ever delivered.
 */
function registerSubscriptions(server: McpServer, connection: Connection, deps: AppDeps): void {
  const subscribed = new Set<string>();
  // Watches this connection holds (resources an upstream changes), released on unsubscribe or close.
  const releases = new Map<string, () => void>();
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    const { uri } = request.params;
    // A per-request (possibly shared) instance keeps nothing: it delivers no updates.
    if (!connection.longLived) return {};
    if (deps.watches && !releases.has(uri)) releases.set(uri, deps.watches.acquire(uri, connection.workspace));
    subscribed.add(uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    const { uri } = request.params;
    subscribed.delete(uri);
    releases.get(uri)?.();
    releases.delete(uri);
    return {};
  });
  if (!connection.longLived) return;
  const unsubscribe = deps.hub.subscribe((event) => {
    if (event.workspace !== connection.workspace) return;
    for (const uri of event.uris) {
      if (connection.era === 'modern' || subscribed.has(uri)) {
        server.server.sendResourceUpdated({ uri }).catch(() => {
          /* connection gone or no listen stream open: nothing to deliver */
        });
      }
    }
  });
  const unlisten = deps.hub.onListChanged((kind) => {
    if (kind === 'tools') server.sendToolListChanged();
    else if (kind === 'prompts') server.sendPromptListChanged();
    else server.sendResourceListChanged();
  });
  const previous = server.server.onclose;
  server.server.onclose = () => {
    unsubscribe();
    unlisten();
    for (const release of releases.values()) release();
    releases.clear();
    previous?.();
  };
}
