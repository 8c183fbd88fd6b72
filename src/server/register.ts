import { type McpServer, ProtocolError, ProtocolErrorCode, ResourceNotFoundError, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import { COMPLETION, promptOperation, resourceOperation, toolOperation } from '../middleware/operation.js';
import type { Pipeline } from '../middleware/pipeline.js';
import type { Call, ToolHandler, ToolResult } from '../middleware/types.js';
import { advertise, advertiseJson } from '../toolkit/advertise.js';
import type { Completer, PromptDef, ResourceDef, ToolDef } from '../toolkit/define.js';
import { ResourceMiss, ToolError } from '../toolkit/errors.js';
import { argumentsToValidate } from '../toolkit/strip-nulls.js';
import { parseInput } from '../toolkit/validation.js';
import { cacheFields, resourceCaching } from './cache-hints.js';
import type { Icon } from './icons.js';

/**
 * Registration of tool, resource and prompt *values* with an SDK `McpServer`.
 * The only module besides `build.ts` and the transports that touches the SDK.
 * Everything it registers was selected beforehand (`select.ts`), so the same
 * selection decides what is listed and what is callable.
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
 * prompts and templates it sees. What is not registered is neither listed nor
 * callable, so the two can never disagree.
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
 * caller (SDK config objects, advertised schemas, URI templates, the
 * middleware pipeline, completion tables) and return the function that
 * registers them on one `McpServer`. Called once at start-up; the returned
 * function runs per connection (stdio, 2025 session) or per request (2026
 * stateless HTTP), so it only binds closures.
 */
export function prepareRegistration<Ctx>(reg: Registration<Ctx>): (server: McpServer, context: ContextOf<Ctx>, grant?: Grant, era?: Era) => void {
  const runTool = reg.pipeline.tool(invokeTool as ToolHandler<Ctx>);
  const iconsOf = (name: string) => {
    const icons = reg.icons?.get(name);
    return icons ? { icons } : {};
  };
  const tools = reg.tools.map((tool) => ({
    tool,
    op: toolOperation(tool),
    config: {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputJsonSchema ? advertiseJson(tool.inputJsonSchema) : advertise(tool.input),
      ...(tool.output ? { outputSchema: advertise(tool.output, 'output') } : {}),
      annotations: tool.annotations,
    },
  }));
  type ReadArgs = { uri: string; vars: Record<string, string> };
  const resources = reg.resources.map((res) => {
    // A fixed cache policy is the SDK's per-registration hint; a per-read one is evaluated after each read.
    const { hint, perRead } = resourceCaching(res);
    return {
      res,
      op: resourceOperation(res as ResourceDef<unknown>),
      run: reg.pipeline.request((call: Call<Ctx> & { args: ReadArgs }) => res.read(call.args.uri, call.args.vars, call.ctx)),
      perRead,
      meta: { title: res.title, description: res.description, mimeType: res.mimeType, ...iconsOf(res.name), ...(hint ? { cacheHint: hint } : {}) },
      template: res.uri.includes('{') ? new ResourceTemplate(res.uri, { list: undefined }) : undefined,
    };
  });
  const prompts = reg.prompts.map((prompt) => ({
    prompt,
    op: promptOperation(prompt),
    run: reg.pipeline.request((call: Call<Ctx>) => prompt.get(prompt.args ? parseInput(prompt.args, call.args, `arguments for prompt ${prompt.name}`) : {}, call.ctx)),
    config: { title: prompt.title, description: prompt.description, ...iconsOf(prompt.name), ...(prompt.args ? { argsSchema: advertise(prompt.args) } : {}) },
  }));
  // Each completer wrapped in the onion once; its call's arguments are what the client sent.
  type CompleteArgs = { value: string; context: Record<string, string> };
  type Run = (call: Call<Ctx> & { args: CompleteArgs }) => Promise<string[]>;
  type Completers = { complete: Record<string, Run>; scopes: readonly string[] };
  const wrap = (table: Record<string, Completer<Ctx>> = {}): Record<string, Run> =>
    Object.fromEntries(
      Object.entries(table).map(([arg, complete]) => [
        arg,
        reg.pipeline.request((call: Call<Ctx> & { args: CompleteArgs }) => complete(call.args.value, call.ctx, call.args.context)),
      ]),
    );
  const promptCompleters = new Map<string, Completers>(reg.prompts.map((p) => [p.name, { complete: wrap(p.complete), scopes: p.scopes }]));
  const templateCompleters = new Map<string, Completers>(
    reg.resources.filter((r) => r.uri.includes('{')).map((r) => [r.uri, { complete: wrap(r.complete), scopes: r.scopes }]),
  );

  return (server, context, grant = ALL, era = 'legacy') => {
    const apps = () => declaresApps(server);
    for (const { tool, op, config } of tools) {
      if (!grant.holds(tool.scopes)) continue;
      const registered = server.registerTool(tool.name, config, ((args: unknown, sdk: ServerContext) =>
        runTool({ op, tool, args, ctx: context(sdk), requestId: sdk.mcpReq.id })) as never);
      // Read when tools/list is answered, so hosts without MCP Apps get exactly the listing they had.
      if (tool.ui) onlyForApps(registered, '_meta', apps, { ui: { resourceUri: tool.ui } }, undefined);
    }
    let any = false;
    for (const { res, op, run, perRead, meta, template } of resources) {
      if (!grant.holds(res.scopes)) continue;
      any = true;
      // The SDK prefers a result's own ttlMs/cacheScope to the registration's hint, and passes 2025 results as they are.
      const cached = era === 'modern' ? perRead : undefined;
      const read = async (url: URL, vars: Record<string, string | string[]>, sdk: ServerContext) => {
        const uri = url.toString();
        const flat = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
        try {
          const ctx = context(sdk);
          const contents = await run({ op, args: { uri, vars: flat }, ctx, requestId: sdk.mcpReq.id });
          return (cached ? { contents, ...cacheFields(cached({ uri, vars: flat, contents }, ctx)) } : { contents }) as never;
        } catch (error) {
          throw toProtocolError(error, uri);
        }
      };
      if (template) {
        server.registerResource(res.name, template, meta, (uri, vars, sdk) => read(uri, vars as Record<string, string | string[]>, sdk as ServerContext));
      } else {
        const registered = server.registerResource(res.name, res.uri, meta, (uri, sdk) => read(uri, {}, sdk as ServerContext));
        if (res.appsOnly) onlyForApps(registered, 'enabled', apps, true, false);
      }
    }
    for (const { prompt, op, run, config } of prompts) {
      if (!grant.holds(prompt.scopes)) continue;
      any = true;
      const get = async (args: unknown, sdk: ServerContext) => {
        try {
          return await run({ op, args, ctx: context(sdk), requestId: sdk.mcpReq.id });
        } catch (error) {
          throw toProtocolError(error);
        }
      };
      if (prompt.args) server.registerPrompt(prompt.name, config, ((args: unknown, sdk: ServerContext) => get(args, sdk)) as never);
      else server.registerPrompt(prompt.name, config, ((sdk: ServerContext) => get({}, sdk)) as never);
    }
    if (!any) return;
    // completion/complete (spec: server/utilities/completion) for prompt arguments and resource-template
    // variables; unknown references complete to nothing rather than erroring, so clients can ask freely.
    // Only for what this caller was granted: a prompt or template it may not see completes to nothing.
    server.server.setRequestHandler('completion/complete', async (request, sdk) => {
      const { ref, argument, context: completionContext } = request.params;
      const entry = ref.type === 'ref/prompt' ? promptCompleters.get(ref.name) : templateCompleters.get(ref.uri);
      const table = entry && grant.holds(entry.scopes) ? entry.complete : undefined;
      const complete = table && Object.hasOwn(table, argument.name) ? table[argument.name] : undefined;
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
  };
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

/** Make `key` of an SDK registration answer `yes` for MCP Apps clients and `no` for others, decided when read. */
function onlyForApps(registered: object, key: string, apps: () => boolean, yes: unknown, no: unknown): void {
  Object.defineProperty(registered, key, { get: () => (apps() ? yes : no), set: () => undefined, configurable: true, enumerable: true });
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
