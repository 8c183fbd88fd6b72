import { type McpServer, ProtocolError, ProtocolErrorCode, ResourceNotFoundError, ResourceTemplate, type ServerContext } from '@modelcontextprotocol/server';
import { compose } from '../middleware/compose.js';
import type { Middleware, ToolHandler, ToolResult } from '../middleware/types.js';
import { advertise, advertiseJson } from '../toolkit/advertise.js';
import type { Completer, PromptDef, ResourceDef, ToolDef } from '../toolkit/define.js';
import { ResourceMiss, ToolError } from '../toolkit/errors.js';
import { parseInput } from '../toolkit/validation.js';

/**
 * Registration of tool, resource and prompt *values* with an SDK `McpServer`.
 * The only module besides `build.ts` and the transports that touches the SDK.
 * Everything it registers was selected beforehand (`select.ts`), so the same
 * selection decides what is listed and what is callable.
 */

/** The innermost handler: validate arguments (structured `invalid_input`), run, shape the MCP result. */
export const invokeTool: ToolHandler = async (call) => {
  const args = parseInput(call.tool.input, call.args);
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
  middleware: ReadonlyArray<Middleware<Ctx>>;
  /** Builds the handler context for one request from the SDK's. */
  context: (sdk: ServerContext) => Ctx;
}

export function registerAll<Ctx>(server: McpServer, reg: Registration<Ctx>): void {
  const pipeline = compose(reg.middleware, invokeTool as ToolHandler<Ctx>);
  for (const tool of reg.tools) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputJsonSchema ? advertiseJson(tool.inputJsonSchema) : advertise(tool.input),
        ...(tool.output ? { outputSchema: advertise(tool.output, 'output') } : {}),
        annotations: tool.annotations,
      },
      ((args: unknown, sdk: ServerContext) => pipeline({ tool, args, ctx: reg.context(sdk), requestId: sdk.mcpReq.id })) as never,
    );
  }

  for (const res of reg.resources) {
    const meta = { title: res.title, description: res.description, mimeType: res.mimeType };
    const read = async (uri: URL, vars: Record<string, string | string[]>, sdk: ServerContext) => {
      const flat = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
      try {
        return { contents: await res.read(uri.toString(), flat, reg.context(sdk)) } as never;
      } catch (error) {
        throw toProtocolError(error, uri.toString());
      }
    };
    if (res.uri.includes('{')) {
      server.registerResource(res.name, new ResourceTemplate(res.uri, { list: undefined }), meta, (uri, vars, sdk) =>
        read(uri, vars as Record<string, string | string[]>, sdk as ServerContext),
      );
    } else {
      server.registerResource(res.name, res.uri, meta, (uri, sdk) => read(uri, {}, sdk as ServerContext));
    }
  }

  for (const prompt of reg.prompts) {
    const config = { title: prompt.title, description: prompt.description };
    if (prompt.args) {
      server.registerPrompt(prompt.name, { ...config, argsSchema: advertise(prompt.args) }, (async (args: unknown, sdk: ServerContext) => {
        try {
          const parsed = parseInput(prompt.args as NonNullable<typeof prompt.args>, args, `arguments for prompt ${prompt.name}`);
          return await prompt.get(parsed, reg.context(sdk));
        } catch (error) {
          throw toProtocolError(error);
        }
      }) as never);
    } else {
      server.registerPrompt(prompt.name, config, (async (sdk: ServerContext) => {
        try {
          return await prompt.get({}, reg.context(sdk));
        } catch (error) {
          throw toProtocolError(error);
        }
      }) as never);
    }
  }

  registerCompletion(server, reg);
}

/**
 * `completion/complete` (spec: server/utilities/completion) for prompt arguments
 * and resource-template variables, from the `complete` maps of the definitions.
 * Unknown references complete to nothing rather than erroring, so clients can
 * ask freely.
 */
function registerCompletion<Ctx>(server: McpServer, reg: Registration<Ctx>): void {
  const prompts = new Map(reg.prompts.map((p) => [p.name, p.complete ?? {}]));
  const templates = new Map(reg.resources.filter((r) => r.uri.includes('{')).map((r) => [r.uri, r.complete ?? {}]));
  server.server.setRequestHandler('completion/complete', async (request, sdk) => {
    const { ref, argument, context } = request.params;
    const table: Record<string, Completer<Ctx>> | undefined = ref.type === 'ref/prompt' ? prompts.get(ref.name) : templates.get(ref.uri);
    const complete = table?.[argument.name];
    if (!complete) return { completion: { values: [], total: 0, hasMore: false } };
    const all = await complete(argument.value, reg.context(sdk as ServerContext), context?.arguments ?? {});
    const values = all.slice(0, 100);
    return { completion: { values, total: all.length, hasMore: all.length > values.length } };
  });
}

/** Resource and prompt callbacks have no `isError` channel: map domain errors to JSON-RPC errors. */
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
