import { type McpServer, ProtocolError, ProtocolErrorCode, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolResult } from '../middleware/types.js';
import type { ToolDef } from '../toolkit/define.js';
import { ToolError } from '../toolkit/errors.js';
import { AsyncOperations, type Operation, OperationCancelled, OperationLimit } from './registry.js';
import { MISSING_REQUIRED_CLIENT_CAPABILITY, TASKS_EXTENSION } from './wire.js';

/**
 * Serves the MCP Tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663:
 * async operations) on one 2026-07-28 server instance, for the SDK has no
 * runtime for it (v2.4 ships wire types only):
 *
 * - advertises the extension under `capabilities.extensions` (`server/discover`);
 * - `tools/call` of a tool with `taskSupport`, from a request whose
 *   `_meta["io.modelcontextprotocol/clientCapabilities"]` declares the
 *   extension, registers an operation, starts the tool in the background and
 *   answers a flat `CreateTaskResult` (`resultType: "task"`); without the
 *   declaration an `optional` tool runs in-call exactly as before and a
 *   `required` one is refused with `-32021` naming the extension;
 * - `tasks/get` (DetailedTask: the tool result inlined once `completed`, the
 *   JSON-RPC error once `failed`, `inputRequests` while `input_required`),
 *   `tasks/update` (input responses, empty ack) and `tasks/cancel` (empty ack;
 *   idempotent on terminal operations). Unknown, expired and other callers'
 *   ids all answer `-32602`. `tasks/result` and `tasks/list` are not served
 *   (the SDK answers `-32601`, as SEP-2663 requires).
 */

// biome-ignore lint/suspicious/noExplicitAny: tools of every input/output type
type AnyTool<Ctx> = ToolDef<Ctx, any, any>;

export interface ProtocolTasksOptions<Ctx> {
  operations: AsyncOperations;
  workspace: string;
  /** The requesting principal: fixed per connection, or read from each request (shared 2026 HTTP instances). */
  principal: string | ((sdk: ServerContext) => string);
  /** Granted tools by name (only those with `taskSupport` matter). */
  tools: ReadonlyMap<string, AnyTool<Ctx>>;
  /** The per-request context builder of `build.ts`. */
  context: (sdk: ServerContext) => Ctx;
  /** Derive the context an operation runs with from the request's. */
  detach: (ctx: Ctx, op: OperationHooks) => Ctx;
  /** The tool pipeline (middleware onion + handler). */
  run: (tool: AnyTool<Ctx>, args: unknown, ctx: Ctx, requestId: string | number) => Promise<ToolResult>;
}

/** What a running operation offers its tool: cancellation, progress as `statusMessage`, input by `tasks/update`. */
export interface OperationHooks {
  signal: AbortSignal;
  progress: (message: string) => void;
  requestInput: (requests: Record<string, unknown>) => Promise<Record<string, unknown>>;
}

const TaskIdParams = z.looseObject({ taskId: z.string().min(1) });
// The SDK lifts `inputResponses` out of params (SEP-2322 envelope) into ctx.mcpReq.inputResponses.
const UpdateParams = z.looseObject({ taskId: z.string().min(1), inputResponses: z.record(z.string(), z.unknown()).optional() });

type StoredHandler = (request: { id: string | number; params?: Record<string, unknown> }, ctx: ServerContext) => Promise<unknown>;

export function attachProtocolTasks<Ctx>(server: McpServer, options: ProtocolTasksOptions<Ctx>): void {
  const { operations } = options;
  const { principal } = options;
  const ownerOf = (sdk: ServerContext) => AsyncOperations.owner(options.workspace, typeof principal === 'string' ? principal : principal(sdk));
  server.server.registerCapabilities({ extensions: { [TASKS_EXTENSION]: {} } } as never);

  const lookup = (sdk: ServerContext, taskId: string): Operation => {
    requireExtension(sdk);
    const op = operations.get(ownerOf(sdk), taskId);
    if (!op) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown taskId: ${taskId}`);
    return op;
  };
  server.server.setRequestHandler('tasks/get', { params: TaskIdParams }, (params, sdk) => detailed(operations, lookup(sdk as ServerContext, params.taskId)));
  server.server.setRequestHandler('tasks/update', { params: UpdateParams }, (params, sdk) => {
    const context = sdk as ServerContext;
    const op = lookup(context, params.taskId);
    operations.answer(op, params.inputResponses ?? (context.mcpReq.inputResponses as Record<string, unknown> | undefined) ?? {});
    return {};
  });
  server.server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, (params, sdk) => {
    operations.cancel(lookup(sdk as ServerContext, params.taskId));
    return {};
  });

  // tools/call: wrap the handler McpServer registered. The SDK's result validation only knows
  // CallToolResult, so the wrapper sits on the stored (already validated) handler and answers
  // CreateTaskResult itself; every other call goes to the original, unchanged.
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, StoredHandler> })._requestHandlers;
  const inCall = handlers?.get('tools/call');
  if (!handlers || !inCall) throw new Error('protocol tasks: the SDK stores no tools/call handler to wrap (SDK internals changed)');
  handlers.set('tools/call', async (request, sdk) => {
    const name = request.params?.name;
    const tool = typeof name === 'string' ? options.tools.get(name) : undefined;
    if (!tool?.taskSupport) return inCall(request, sdk);
    const declared = declaresExtension(sdk);
    if (!declared) {
      if (tool.taskSupport === 'required') throw missingExtension(`Tool ${tool.name} runs only as an async operation`);
      return inCall(request, sdk);
    }
    const ctx = options.context(sdk);
    if (tool.runAsync && !tool.runAsync(ctx)) return inCall(request, sdk);
    let op: Operation;
    try {
      op = operations.create(ownerOf(sdk));
    } catch (error) {
      if (error instanceof OperationLimit) {
        return {
          content: [{ type: 'text', text: JSON.stringify({ error: { code: 'rate_limited', message: error.message, retryable: true, retryAfterMs: 1000 } }) }],
          isError: true,
        };
      }
      throw error;
    }
    const hooks: OperationHooks = {
      signal: op.controller.signal,
      progress: (message) => operations.progress(op, message),
      requestInput: (requests) =>
        operations.waitForInput(op, requests).catch((error: unknown) => {
          throw error instanceof OperationCancelled ? new ToolError('cancelled', 'The async operation was cancelled while waiting for input.') : error;
        }),
    };
    operations.track(start(options, operations, op, tool, request.params?.arguments, options.detach(ctx, hooks), request.id));
    return { resultType: 'task', ...operations.envelope(op) };
  });
}

async function start<Ctx>(
  options: ProtocolTasksOptions<Ctx>,
  operations: AsyncOperations,
  op: Operation,
  tool: AnyTool<Ctx>,
  args: unknown,
  ctx: Ctx,
  requestId: string | number,
): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve)); // answer the CreateTaskResult first
  try {
    const result = await options.run(tool, args, ctx, requestId);
    operations.settle(op, isInternal(result) ? { error: { code: ProtocolErrorCode.InternalError, message: internalMessage(result) } } : { result: { ...result } });
  } catch {
    // The pipeline's error boundary turns every throw into a result; this is a last resort.
    operations.settle(op, { error: { code: ProtocolErrorCode.InternalError, message: 'Internal error' } });
  }
}

/** The `tasks/get` DetailedTask: the envelope plus what its status carries (never `requestState`). */
function detailed(operations: AsyncOperations, op: Operation): Record<string, unknown> {
  return {
    ...operations.envelope(op),
    ...(op.status === 'completed' && op.result ? { result: op.result } : {}),
    ...(op.status === 'failed' && op.error ? { error: op.error } : {}),
    ...(op.status === 'input_required' ? { inputRequests: Object.fromEntries(op.pending) } : {}),
  };
}

/** Did this request declare the extension (`_meta` clientCapabilities, SEP-2575 per-request capabilities)? */
function declaresExtension(sdk: ServerContext): boolean {
  const envelope = sdk.mcpReq.envelope as Record<string, unknown> | undefined;
  const caps = envelope?.['io.modelcontextprotocol/clientCapabilities'] as { extensions?: Record<string, unknown> } | undefined;
  return caps?.extensions?.[TASKS_EXTENSION] !== undefined;
}

function requireExtension(sdk: ServerContext): void {
  if (!declaresExtension(sdk)) throw missingExtension('The tasks methods need the client to declare the extension');
}

function missingExtension(why: string): ProtocolError {
  return new ProtocolError(MISSING_REQUIRED_CLIENT_CAPABILITY as ProtocolErrorCode, `${why}: declare ${TASKS_EXTENSION} in the request's client capabilities`, {
    requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
  });
}

/**
 * A protocol-level failure: the error boundary masked an unexpected exception
 * as `internal`. Domain errors (`invalid_input`, `not_found`, `timeout`, ...)
 * are tool results and complete the operation with `isError: true`.
 */
function isInternal(result: ToolResult): boolean {
  if (!result.isError) return false;
  const text = result.content[0]?.text;
  if (typeof text !== 'string') return false;
  try {
    return (JSON.parse(text) as { error?: { code?: unknown } }).error?.code === 'internal';
  } catch {
    return false;
  }
}

function internalMessage(result: ToolResult): string {
  try {
    return String((JSON.parse(result.content[0]?.text as string) as { error: { message: string } }).error.message);
  } catch {
    return 'Internal error';
  }
}
