import {
  type CacheHint,
  type CallToolResult,
  isInputRequiredResult,
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { COMPLETION, promptOperation, resourceOperation, toolOperation } from '../middleware/operation.js';
import type { Pipeline } from '../middleware/pipeline.js';
import type { Call, ToolHandler, ToolResult } from '../middleware/types.js';
import { advertise, advertiseJson } from '../toolkit/advertise.js';
import type { Completer, PromptDef, ResourceDef, ToolDef } from '../toolkit/define.js';
import { ResourceMiss, ToolError } from '../toolkit/errors.js';
import { argumentsToValidate } from '../toolkit/strip-nulls.js';
import { parseInput } from '../toolkit/validation.js';
import { cacheFields, type ResourceCaching, resourceCaching } from './cache-hints.js';
import { type Catalog, type GrantTable, GrantTables, grantTable, listedJson, parseTemplate } from './catalog.js';
import type { Icon } from './icons.js';

/**
 * Serving tool, resource and prompt *values* on an SDK `McpServer`, through
 * request handlers on its low-level `Server` over a table shared per grant
 * (server/catalog.ts), not through the SDK's per-instance registry.
 * The only module besides `build.ts` and the transports that touches the SDK.
 * Everything it serves was selected beforehand (`select.ts`), and each table
 * answers both the lists and the calls, so what is listed and what is callable
 * can never disagree.
 */

/**
 * The innermost handler: validate arguments (structured `invalid_input`), run, shape the MCP result.
 * A write tool's null-valued arguments count as not given (toolkit/strip-nulls.ts: strict-mode hosts).
 */
export const invokeTool: ToolHandler = async (call) => {
  const args = parseInput(call.tool.input, argumentsToValidate(call.tool.annotations, call.args));
  const out = await call.tool.handler(args, call.ctx);
  if ('raw' in out) return out.raw as ToolResult;
  const result: ToolResult = { content: [{ type: 'text', text: out.text }, ...(out.extra ?? [])] };
  if (call.tool.output) result.structuredContent = out.structured as Record<string, unknown>;
  return result;
};

export interface Registration<Ctx> {
  // biome-ignore lint/suspicious/noExplicitAny: tools of every input/output type
  tools: ReadonlyArray<ToolDef<Ctx, any, any>>;
  resources: ReadonlyArray<ResourceDef<Ctx>>;
  // biome-ignore lint/suspicious/noExplicitAny: prompts of every argument type
  prompts: ReadonlyArray<PromptDef<Ctx, any>>;
  /** The middleware onion (middleware/pipeline.ts) every tool call, read, prompt get and completion runs through. */
  pipeline: Pipeline<Ctx>;
  /** Icons by prompt or resource name (their toolset's icon); none when absent. */
  icons?: ReadonlyMap<string, Icon[]>;
}

/**
 * What one caller may see and call: the tools, resources, templates and
 * prompts whose declared scopes it holds all of, and the completions of the
 * prompts and templates it sees. What is not granted is neither listed nor
 * callable.
 */
export interface Grant {
  /** Does the caller hold every one of these scopes? */
  holds: (scopes: readonly string[]) => boolean;
}

const ALL: Grant = { holds: () => true };

/** The protocol era one server instance serves (`Connection.era`): per-read cache hints go only on `modern` results. */
export type Era = 'legacy' | 'modern';

/** Builds the handler context for one request from the SDK's. */
export type ContextOf<Ctx> = (sdk: ServerContext) => Ctx;

/**
 * Precompute everything about the definitions that does not depend on the
 * caller (listing entries, advertised schemas, URI templates, the middleware
 * pipeline, completion tables, and per grant the lists: server/catalog.ts) and
 * return the function that serves them on one `McpServer`. Called once at
 * start-up; the returned function runs per connection (stdio, 2025 session) or
 * per pooled instance (2026 stateless HTTP). It registers nothing with the
 * SDK's `McpServer` registry: it installs one request handler per method over
 * the shared table of the instance's grant, so an idle session holds a few
 * closures instead of a registration object per tool, resource and prompt.
 * `key` names the grant (the canonical scope set): instances of one key share
 * one table, so the key must determine the grant.
 */
export function prepareRegistration<Ctx>(reg: Registration<Ctx>): (server: McpServer, context: ContextOf<Ctx>, grant?: Grant, era?: Era, key?: string) => void {
  const catalog = prepareCatalog(reg);
  const tables = new GrantTables<Table<Ctx>>();
  return (server, context, grant = ALL, era = 'legacy', key) => {
    const make = () => grantTable(catalog, (scoped) => grant.holds(scoped.scopes));
    const table = key === undefined ? make() : tables.get(key, make);
    installHandlers(server, table, context, era);
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tools of every input/output type
type AnyTool<Ctx> = ToolDef<Ctx, any, any>;
type ReadArgs = { uri: string; vars: Record<string, string> };
type CompleteArgs = { value: string; context: Record<string, string> };
type CompleteRun<Ctx> = (call: Call<Ctx> & { args: CompleteArgs }) => Promise<string[]>;
/** A tool, resource or prompt with its operation and its pipeline-wrapped handler. */
interface ToolRun<Ctx> {
  tool: AnyTool<Ctx>;
  op: ReturnType<typeof toolOperation>;
  run: ToolHandler<Ctx>;
}
interface ResourceRun<Ctx> {
  op: ReturnType<typeof resourceOperation>;
  run: (call: Call<Ctx> & { args: ReadArgs }) => Promise<unknown>;
  hint?: CacheHint;
  perRead?: ResourceCaching<Ctx>['perRead'];
}
interface PromptRun<Ctx> {
  op: ReturnType<typeof promptOperation>;
  run: (call: Call<Ctx>) => Promise<unknown>;
  hasArgs: boolean;
}
type Completers<Ctx> = Record<string, CompleteRun<Ctx>>;
type Table<Ctx> = GrantTable<ToolRun<Ctx>, ResourceRun<Ctx>, PromptRun<Ctx>, Completers<Ctx>>;

/** `make()` on the first call, the same value after. */
function once<T>(make: () => T): () => T {
  let made = false;
  let value: T;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value;
  };
}

/** Everything selected, precomputed once (nothing here depends on a caller or a grant). */
function prepareCatalog<Ctx>(reg: Registration<Ctx>): Catalog<ToolRun<Ctx>, ResourceRun<Ctx>, PromptRun<Ctx>, Completers<Ctx>> {
  const iconsOf = (name: string) => {
    const icons = reg.icons?.get(name);
    return icons ? { icons } : {};
  };
  unique(
    reg.tools.map((t) => t.name),
    'tool',
  );
  unique(
    reg.prompts.map((p) => p.name),
    'prompt',
  );
  unique(
    reg.resources.map((r) => (r.uri.includes('{') ? `template ${r.name}` : r.uri)),
    'resource',
  );
  const runTool = reg.pipeline.tool(invokeTool as ToolHandler<Ctx>);
  // JSON Schemas are converted on first use (the first tools/list, or a call that needs one), not at start-up:
  // for the default toolsets that was ~40 ms of a stdio cold start (issue 17).
  const tools = reg.tools.map((tool) => {
    const inputJson = once(() => listedJson(tool.inputJsonSchema ? advertiseJson(tool.inputJsonSchema) : advertise(tool.input), 'input'));
    const outputJson = once(() => (tool.output ? listedJson(advertise(tool.output, 'output'), 'output') : undefined));
    // The SDK's tools/list key order: name, title, description, inputSchema, annotations, _meta, outputSchema.
    const entry = (meta?: Record<string, unknown>) => {
      const output = outputJson();
      return Object.freeze({
        name: tool.name,
        ...defined({ title: tool.title, description: tool.description }),
        inputSchema: inputJson(),
        ...defined({ annotations: tool.annotations }),
        ...(meta ? { _meta: meta } : {}),
        ...(output ? { outputSchema: output } : {}),
      });
    };
    const listed = once(() => entry());
    // Only hosts that declare MCP Apps see `_meta.ui`: the others get exactly the listing they had.
    const listedForApps = once(() => (tool.ui ? entry({ ui: { resourceUri: tool.ui } }) : listed()));
    return {
      name: tool.name,
      scopes: tool.scopes,
      def: { tool: tool as AnyTool<Ctx>, op: toolOperation(tool), run: runTool },
      get listed() {
        return listed();
      },
      get listedForApps() {
        return listedForApps();
      },
      get inputJson() {
        return inputJson();
      },
      get outputJson() {
        return outputJson();
      },
    };
  });
  const resources = reg.resources.map((res) => {
    // A fixed cache policy rides on every 2026 result; a per-read one is evaluated after each read.
    const { hint, perRead } = resourceCaching(res);
    const isTemplate = res.uri.includes('{');
    const meta = { ...defined({ title: res.title, description: res.description, mimeType: res.mimeType }), ...iconsOf(res.name) };
    return {
      key: res.uri,
      scopes: res.scopes,
      def: {
        op: resourceOperation(res as ResourceDef<unknown>),
        run: reg.pipeline.request((call: Call<Ctx> & { args: ReadArgs }) => res.read(call.args.uri, call.args.vars, call.ctx)),
        hint,
        perRead,
      },
      listed: Object.freeze(isTemplate ? { name: res.name, uriTemplate: res.uri, ...meta } : { uri: res.uri, name: res.name, ...meta }),
      appsOnly: !isTemplate && res.appsOnly === true,
      ...(isTemplate ? { template: parseTemplate(res.uri) } : {}),
    };
  });
  // Each completer wrapped in the onion once; its call's arguments are what the client sent.
  const wrap = (table: Record<string, Completer<Ctx>> = {}): Completers<Ctx> =>
    Object.fromEntries(
      Object.entries(table).map(([arg, complete]) => [
        arg,
        reg.pipeline.request((call: Call<Ctx> & { args: CompleteArgs }) => complete(call.args.value, call.ctx, call.args.context)),
      ]),
    );
  const prompts = reg.prompts.map((prompt) => {
    const listed = once(() => {
      const args = prompt.args ? listedJson(advertise(prompt.args), 'input') : undefined;
      const properties = (args?.properties ?? {}) as Record<string, { description?: string }>;
      const required = (args?.required ?? []) as string[];
      return Object.freeze({
        name: prompt.name,
        ...defined({ title: prompt.title, description: prompt.description }),
        ...(args
          ? { arguments: Object.entries(properties).map(([name, prop]) => ({ name, ...defined({ description: prop?.description }), required: required.includes(name) })) }
          : {}),
        ...iconsOf(prompt.name),
      });
    });
    return {
      name: prompt.name,
      scopes: prompt.scopes,
      completer: wrap(prompt.complete),
      get listed() {
        return listed();
      },
      def: {
        op: promptOperation(prompt),
        run: reg.pipeline.request((call: Call<Ctx>) =>
          prompt.get(prompt.args ? parseInput(prompt.args, call.args, `arguments for prompt ${prompt.name}`) : {}, call.ctx),
        ),
        hasArgs: prompt.args !== undefined,
      },
    };
  });
  const templateCompleters = reg.resources.filter((r) => r.uri.includes('{')).map((r) => ({ uri: r.uri, scopes: r.scopes, completer: wrap(r.complete) }));
  return { tools, resources, prompts, templateCompleters };
}

/**
 * One request handler per method on `server`, each looking up the shared
 * `table`; what the table does not hold is neither listed nor callable. The
 * capabilities are the ones the SDK's registry would declare for the same
 * grant (tools and prompts only when some are granted; resources always).
 */
function installHandlers<Ctx>(server: McpServer, table: Table<Ctx>, context: ContextOf<Ctx>, era: Era): void {
  const low = server.server;
  const apps = () => declaresApps(server);
  if (table.tools.size > 0) {
    low.registerCapabilities({ tools: { listChanged: true } });
    low.setRequestHandler('tools/list', () => ({ tools: table.toolList(apps()).tools }) as never);
    low.setRequestHandler('tools/call', async (request, sdk) => {
      const { name } = request.params;
      const entry = table.tools.get(name);
      if (!entry) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
      const { tool, op, run } = entry.def;
      try {
        const ctx = context(sdk as ServerContext);
        const result = (await run({ op, tool, args: request.params.arguments ?? {}, ctx, requestId: sdk.mcpReq.id })) as CallToolResult;
        if (isInputRequiredResult(result)) return result;
        if (entry.outputJson && !result.isError && result.structuredContent === undefined) {
          return toolErrorResult(`Output validation error: Tool ${name} has an output schema but no structured content was provided`);
        }
        return low.projectCallToolResult(result, entry.outputJson);
      } catch (error) {
        if (error instanceof ProtocolError && error.code === ProtocolErrorCode.UrlElicitationRequired) throw error;
        return toolErrorResult(error instanceof Error ? error.message : String(error));
      }
    });
    // The HTTP entry's SEP-2243 `Mcp-Param-*` check reads the granted tool's input schema before dispatch.
    server.toolInputSchemaJson = (name: string) => table.tools.get(name)?.inputJson;
  }
  low.setRequestHandler('resources/list', () => ({ resources: table.resourceList(apps()).resources }) as never);
  low.setRequestHandler('resources/templates/list', () => ({ resourceTemplates: table.templateList.resourceTemplates }) as never);
  low.setRequestHandler('resources/read', async (request, sdk) => {
    const asked = request.params.uri;
    let url: URL;
    try {
      url = new URL(asked);
    } catch {
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource URI ${asked} is invalid`, { uri: asked, reason: 'invalid_uri' });
    }
    const uri = url.toString();
    const fixed = table.resources.get(uri);
    if (fixed) {
      if (fixed.appsOnly && !apps()) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${uri} disabled`);
      return readResource(fixed.def, uri, {}, context(sdk as ServerContext), sdk.mcpReq.id, era);
    }
    for (const entry of table.templates) {
      const vars = entry.template?.match(uri);
      if (!vars) continue;
      const flat = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      return readResource(entry.def, uri, flat, context(sdk as ServerContext), sdk.mcpReq.id, era);
    }
    throw new ResourceNotFoundError(asked);
  });
  if (table.prompts.size > 0) {
    low.registerCapabilities({ prompts: { listChanged: true } });
    low.setRequestHandler('prompts/list', () => ({ prompts: table.promptList.prompts }) as never);
    low.setRequestHandler('prompts/get', async (request, sdk) => {
      const { name } = request.params;
      const entry = table.prompts.get(name);
      if (!entry) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${name} not found`);
      const { op, run, hasArgs } = entry.def;
      try {
        return (await run({ op, args: hasArgs ? (request.params.arguments ?? {}) : {}, ctx: context(sdk as ServerContext), requestId: sdk.mcpReq.id })) as never;
      } catch (error) {
        throw toProtocolError(error);
      }
    });
  }
  if (!table.completions) return;
  // completion/complete (spec: server/utilities/completion) for prompt arguments and resource-template
  // variables; unknown references complete to nothing rather than erroring, so clients can ask freely.
  // Only for what this caller was granted: a prompt or template it may not see completes to nothing.
  low.setRequestHandler('completion/complete', async (request, sdk) => {
    const { ref, argument, context: completionContext } = request.params;
    const completers = ref.type === 'ref/prompt' ? table.promptCompleters.get(ref.name) : table.templateCompleters.get(ref.uri);
    const complete = completers && Object.hasOwn(completers, argument.name) ? completers[argument.name] : undefined;
    if (!complete) return { completion: { values: [], total: 0, hasMore: false } };
    const args = { value: argument.value, context: completionContext?.arguments ?? {} };
    let all: string[];
    try {
      all = await complete({ op: COMPLETION, args, ctx: context(sdk as ServerContext), requestId: sdk.mcpReq.id });
    } catch (error) {
      throw toProtocolError(error);
    }
    const values = all.slice(0, 100);
    return { completion: { values, total: all.length, hasMore: all.length > values.length } };
  });
}

/** One resource read through its pipeline; on 2026 results the cache fields (fixed or per read), 2025 results as they are. */
async function readResource<Ctx>(def: ResourceRun<Ctx>, uri: string, vars: Record<string, string>, ctx: Ctx, requestId: string | number, era: Era) {
  try {
    const contents = await def.run({ op: def.op, args: { uri, vars }, ctx, requestId });
    if (era !== 'modern') return { contents } as never;
    if (def.perRead) return { contents, ...cacheFields(def.perRead({ uri, vars, contents } as never, ctx)) } as never;
    return (def.hint ? { contents, ...def.hint } : { contents }) as never;
  } catch (error) {
    throw toProtocolError(error, uri);
  }
}

/** An `isError` tool result carrying one text block. */
const toolErrorResult = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

/** Keep only the keys whose value is defined (the SDK's listings drop undefined fields on the wire). */
function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Registration refuses duplicate names, as the SDK's registry did (at start-up now, not per connection). */
function unique(names: string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`${what} ${name} is already registered`);
    seen.add(name);
  }
}

/** The MCP Apps extension id (SEP-1865), as clients declare it under `capabilities.extensions`. */
export const APPS_EXTENSION = 'io.modelcontextprotocol/ui';

/**
 * Whether the client of this server instance declared MCP Apps: from the 2026 request envelope (the SDK seeds
 * it per request) or the 2025 `initialize` capabilities.
 */
function declaresApps(server: McpServer): boolean {
  const capabilities = server.server.getClientCapabilities() as { extensions?: Record<string, unknown> } | undefined;
  return Boolean(capabilities?.extensions?.[APPS_EXTENSION]);
}

/**
 * Resource, prompt and completion requests have no `isError` channel: the typed error their pipeline rejected with
 * (the error boundary masks anything else as `internal`) becomes a JSON-RPC error, with the error body as `data`.
 */
function toProtocolError(error: unknown, uri?: string): unknown {
  if (error instanceof ResourceMiss) return new ResourceNotFoundError(error.uri);
  if (error instanceof ToolError) {
    if (error.code === 'not_found' && uri) return new ResourceNotFoundError(uri);
    if (error.code === 'invalid_input' || error.code === 'not_found') {
      return new ProtocolError(ProtocolErrorCode.InvalidParams, error.message, error.toBody());
    }
    return new ProtocolError(ProtocolErrorCode.InternalError, error.message, error.toBody());
  }
  return error;
}
