import type { z } from 'zod';
import type { Config, ConfigKey } from '../config/schema.js';
import type { TaskStore } from '../store/types.js';
import type { Logger } from '../telemetry/logger.js';

/**
 * Tool, resource and prompt definitions as plain data values (the pattern of
 * github-mcp-server's `ServerTool`): name, schemas, annotations, scopes and a
 * handler. Selection (toolsets, read-only, scopes) and registration with the
 * SDK are derived from these values, so what is listed and what is callable
 * can never disagree. This module knows nothing of tasks: `Ctx` is whatever
 * per-request context the toolset needs.
 */

/** MCP tool annotations (spec: server/tools, `ToolAnnotations`). All four are required here, on purpose. */
export interface Annotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool handler returns: the structured content (matching the output schema) and a concise text rendering. */
export interface ToolOutput<T> {
  structured: T;
  text: string;
  /** Extra content blocks after the text (embedded resources, images). */
  extra?: Array<Record<string, unknown>>;
}

/**
 * A tool. Per-tool policy is declared here: `timeoutMs` (time limit), `resultBudgetTokens` (result budget; a
 * `max_tokens` argument in `input` lets the caller choose another).
 * There is no cache policy: cacheability is a property of reads. `tools/call` results are never cacheable
 * (MCP 2026-07-28, server/utilities/caching), so a tool whose answer may be reused should also be offered as a
 * resource with a {@link ResourceDef.cache} policy.
 */
export interface ToolDef<Ctx = unknown, I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  /** `verb_noun`, snake_case, at most 40 characters (room for client prefixes under the 64-character cap). */
  name: string;
  title: string;
  /** What it does, when to use it, what it returns; the model reads nothing else. */
  description: string;
  /** A `z.object`; validated by Taskwire (not the SDK) so failures come back as structured `invalid_input`. */
  input: I;
  /**
   * Advertise this JSON Schema instead of the one derived from `input` (for
   * schemas zod cannot express, e.g. JSON Schema 2020-12 `if/then`). `input`
   * still validates.
   */
  inputJsonSchema?: Record<string, unknown>;
  /** When absent, the tool returns unstructured content only (conformance fixtures). */
  output?: O;
  annotations: Annotations;
  /** OAuth scopes a caller needs, each declared in its toolset's `scopes`. */
  scopes: readonly string[];
  /** This tool's time limit (ms) when `--tool-timeouts` does not name it; default `--tool-timeout-ms`. For tools that wait on outside services. */
  timeoutMs?: number;
  /**
   * This tool's result budget in o200k_base tokens when the call gives no `max_tokens`: the result middleware
   * fills it in as `max_tokens` (tools that have that argument) and as `ctx.resultTokens`. Absent:
   * `--max-result-tokens` (the server-wide default of list and search pages). A positive integer.
   */
  resultBudgetTokens?: number;
  handler: (args: z.output<I>, ctx: Ctx) => Promise<ToolOutput<z.output<O>> | RawToolResult>;
  /**
   * MCP Tasks extension (`io.modelcontextprotocol/tasks`, async operations; not
   * Taskwire's task items): `optional` = runs as an async operation when the
   * client declares the extension, in-call otherwise; `required` = only as an
   * async operation (others get `-32021`). Absent: always in-call.
   */
  taskSupport?: 'optional' | 'required';
  /** With `taskSupport`: whether this call becomes an async operation (default yes); `false` answers in-call (e.g. an input round first). */
  runAsync?: (ctx: Ctx) => boolean;
  /**
   * MCP Apps (extension `io.modelcontextprotocol/ui`, SEP-1865): the `ui://` resource a host may render this
   * tool's results with, listed as `_meta.ui.resourceUri` only to clients that declare the extension.
   */
  ui?: string;
}

/** An already-shaped MCP `CallToolResult`, for fixtures that need exact content blocks. */
export interface RawToolResult {
  raw: { content: Array<Record<string, unknown>>; isError?: boolean; structuredContent?: Record<string, unknown> };
}

/** Identity function that keeps the handler's argument and result types tied to the schemas. */
export function defineTool<Ctx, I extends z.ZodType, O extends z.ZodType>(def: ToolDef<Ctx, I, O>): ToolDef<Ctx, I, O> {
  return def;
}

/** Completes one template variable or prompt argument from its current partial value. */
export type Completer<Ctx> = (value: string, ctx: Ctx, context: Record<string, string>) => Promise<string[]>;

export interface ResourceContents {
  uri: string;
  mimeType: string;
  text?: string;
  blob?: string;
  /** Per-content metadata (e.g. MCP Apps `_meta.ui`: the view's CSP and border preference). */
  _meta?: Record<string, unknown>;
}

/**
 * How long, and by whom, a `resources/read` result may be reused: the MCP 2026-07-28 caching hints
 * (server/utilities/caching) `ttlMs` and `cacheScope`. 2025-11-25 responses carry neither (the SDK adds them
 * only at its 2026 encode seam).
 */
export interface CachePolicy {
  /** `public`: the same content for every caller, so a shared cache may keep it; `private`: only this caller may reuse it. */
  scope: 'public' | 'private';
  /** How long (ms, a non-negative integer) the client MAY consider the result fresh; 0 = ask again every time. */
  ttlMs: number;
}

/** What a per-read {@link CachePolicy} function sees: the URI read, its template variables and the contents returned. */
export interface ResourceRead {
  uri: string;
  vars: Record<string, string>;
  contents: ResourceContents[];
}

export interface ResourceDef<Ctx = unknown> {
  name: string;
  title: string;
  description: string;
  mimeType: string;
  /** A fixed URI, or an RFC 6570 level-1 template such as `tasks://{id}`. */
  uri: string;
  /** For templates: completion per variable. */
  complete?: Record<string, Completer<Ctx>>;
  /**
   * Scopes a caller needs to list, read and subscribe to it, and to complete its template's variables, each
   * declared in a served toolset's `scopes` (`[]` = every caller). Resources sharing a URI scheme require the same
   * scopes: the HTTP layer's scope challenge finds them by scheme.
   */
  scopes: readonly string[];
  /** A read's time limit (ms); default `--tool-timeout-ms`. For resources that wait on outside services. */
  timeoutMs?: number;
  /**
   * Cache hint of its reads (2026-07-28 only): a fixed policy, or a function evaluated after each successful
   * read (e.g. the remaining freshness of an upstream answer; a fractional or negative `ttlMs` is floored at 0).
   * Absent: `{ scope: 'private', ttlMs: 0 }`, right for content that changes under the caller and is announced by
   * `notifications/resources/updated` (task resources). A fixed policy is checked at start-up.
   */
  cache?: CachePolicy | ((read: ResourceRead, ctx: Ctx) => CachePolicy);
  /**
   * For resources whose content changes outside the server (an upstream): start watching one concrete URI while
   * anyone is subscribed to it, calling `changed()` whenever its content changes; returns the function that stops.
   * `deps` are the toolsets' dependencies by id (as `ctx.deps`). Resources changed by writes through the server
   * need no watch: the change hub announces them.
   */
  watch?: (uri: string, vars: Record<string, string>, deps: Readonly<Record<string, unknown>>, changed: () => void) => () => void;
  /** Read one URI; `vars` holds the template's variables. Throw `ToolError('not_found')` for a miss. */
  read: (uri: string, vars: Record<string, string>, ctx: Ctx) => Promise<ResourceContents[]>;
  /** An MCP Apps view (`ui://`): listed and readable only for clients that declare the `io.modelcontextprotocol/ui` extension. */
  appsOnly?: boolean;
}

export interface PromptMessage {
  role: 'user' | 'assistant';
  content: Record<string, unknown>;
}

export interface PromptDef<Ctx = unknown, A extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  /** A `z.object` of string arguments (prompt arguments are strings on the wire). */
  args?: A;
  complete?: Record<string, Completer<Ctx>>;
  /** Scopes a caller needs to list and get it and to complete its arguments, each declared in a served toolset's `scopes` (`[]` = every caller). */
  scopes: readonly string[];
  /** A get's time limit (ms); default `--tool-timeout-ms`. */
  timeoutMs?: number;
  get: (args: z.output<A>, ctx: Ctx) => Promise<{ description?: string; messages: PromptMessage[] }>;
}

export function defineResource<Ctx>(def: ResourceDef<Ctx>): ResourceDef<Ctx> {
  return def;
}

export function definePrompt<Ctx, A extends z.ZodType>(def: PromptDef<Ctx, A>): PromptDef<Ctx, A> {
  return def;
}

/**
 * What is known of a toolset before its code loads: enough to parse the
 * configuration, choose toolsets by `--toolsets` and declare scopes (`token
 * create`, `doctor`). Cheap to import: a toolset's `manifest.ts` holds it and
 * imports none of its tools.
 */
export interface ToolsetHeader {
  id: string;
  description: string;
  /** Enabled when `--toolsets` is not given. */
  default: boolean;
  /**
   * The scopes its tools, resources and prompts require, each with what it grants
   * (published as `scopes_supported`, accepted by `token create`): a description,
   * or a {@link ScopeDeclaration}. A required scope no served toolset declares is
   * a start-up error.
   */
  scopes: Readonly<Record<string, string | ScopeDeclaration>>;
  /**
   * Its configuration keys (flag, env var, default, doc, validator), merged into
   * the one config table (`src/config/schema.ts`), after the core's, in toolset
   * order. A flag, env var or name another key has is a start-up error.
   */
  config?: Readonly<Record<string, ConfigKey>>;
  /** The toolset's icon: `assets/icons/<icon>.svg`, shipped in the package (see server/icons.ts). */
  icon?: string;
}

/**
 * A toolset as the composition root lists it (`src/toolsets/manifests.ts`):
 * its header, and how to load the rest. Only selected toolsets are loaded, so
 * a toolset that is off costs a server nothing at start-up (issue 17, cold start).
 */
export interface ToolsetManifest<Ctx = unknown> extends ToolsetHeader {
  /** Imports the toolset's code; resolves to the whole toolset (its header fields equal this manifest's). */
  load(): Promise<Toolset<Ctx>>;
}

/**
 * A toolset: one folder under `src/toolsets/`, its `index.ts` exporting this
 * value and its `manifest.ts` the {@link ToolsetManifest}. A new toolset is
 * that folder plus one line in `src/toolsets/manifests.ts`.
 */
export interface Toolset<Ctx = unknown> extends ToolsetHeader {
  // biome-ignore lint/suspicious/noExplicitAny: a toolset holds tools of many input/output types
  tools: ReadonlyArray<ToolDef<Ctx, any, any>>;
  resources: ReadonlyArray<ResourceDef<Ctx>>;
  // biome-ignore lint/suspicious/noExplicitAny: as above, for prompt argument types
  prompts: ReadonlyArray<PromptDef<Ctx, any>>;
  /** A paragraph for the server's `instructions`, telling an agent how this toolset's parts fit together. */
  instructions?: string;
  /**
   * Its dependencies (domain services, API clients, caches), built once per app
   * when the toolset is selected, before any toolset starts; handlers find them
   * in the request context under the toolset's id (through an accessor of the
   * toolset's own, e.g. `weatherOf(ctx)`). May throw a configuration error,
   * which stops start-up. A `close()` on the result is called when the app
   * closes, after every `start` was stopped and before the store closes.
   */
  createDeps?: (env: ToolsetEnv) => unknown;
  /**
   * Background work while the app runs (retention timers, say): called once every
   * selected toolset's dependencies are built, with them all by toolset id (as
   * `ctx.deps`); returns the function that stops it, called first when the app closes.
   */
  start?: (deps: Readonly<Record<string, unknown>>, env: ToolsetEnv) => () => void | Promise<void>;
  /** The resource URIs its writes make stale, announced through the change hub and carried by the cluster bus. */
  changes?: ToolsetChanges;
}

/** A declared scope with more than its description. */
export interface ScopeDeclaration {
  /** What it grants. */
  description: string;
  /**
   * It grants operating the server: with authentication on, `GET /metrics` (which names principals and
   * tools) needs one of the served toolsets' operator scopes.
   */
  operator?: boolean;
}

/**
 * The change URIs a toolset publishes. Writes through the server announce them
 * on the change hub; the cross-process bus forwards them to other replicas and
 * delivers only URIs some selected toolset declares.
 */
export interface ToolsetChanges {
  /** Matches every URI the toolset announces (anchored, bounded: it guards what another process may inject). */
  pattern: RegExp;
  /**
   * Workspace-wide views (e.g. `tasks://board`) a subscriber should re-read when
   * notifications may have been missed (the bus reconnected).
   */
  resync: readonly string[];
  /**
   * The URIs a committed write to these rows of the store's task history makes
   * stale: the SQLite bus reads other processes' writes from that history (task ids
   * only) and asks each toolset which of its URIs they touch.
   */
  ofStoredTasks?: (taskIds: Iterable<number>) => string[];
}

/** What a toolset's `createDeps` and `start` receive: the app's long-lived parts. */
export interface ToolsetEnv {
  /** The resolved configuration (every key, by name, the toolsets' own included). */
  config: Readonly<Config & Record<string, unknown>>;
  /** The app's storage port (wrapped in spans when tracing is on). */
  store: TaskStore;
  /** Announce that a committed write made these URIs of `workspace` stale (subscribers, then other replicas). */
  changed: (workspace: string, uris: readonly string[]) => void;
  logger: Logger;
}
