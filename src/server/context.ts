import type { ServerContext } from '@modelcontextprotocol/server';
import type { AbortState, CallAbort } from '../guard/call-abort.js';
import type { Actor } from '../store/types.js';

/** Who is calling, in which workspace. The workspace always comes from the verified caller, never from tool arguments. */
export interface Caller {
  workspace: string;
  actor: Actor;
  /**
   * The call's abort state (client cancellation or the timeout middleware's deadline): an `AbortSignal`, or the
   * timeout's {@link CallAbort}. Domain services check it (`throwIfAborted`) before a write starts and again just
   * before COMMIT, so an aborted call rolls back whole; reads check it before querying. Absent outside tool calls.
   */
  signal?: AbortState;
  /**
   * The `<toolset>:<permission>` scopes granted to the caller; `undefined` = unauthenticated local serving (stdio,
   * loopback `--auth none`), which may do everything. Test one with `missingScopes` (auth/principal.ts).
   */
  scopes?: ReadonlySet<string>;
}

/**
 * What every tool, resource and prompt handler receives: the verified caller
 * (workspace + actor), the toolsets' dependencies, and the request's abort signal.
 * Built once per request by `server/build.ts`.
 */
export interface RequestContext {
  caller: Caller;
  /** `clientInfo.version` of the MCP client, when it sent one (for the audit trail). */
  clientVersion?: string | null;
  /**
   * Each selected toolset's dependencies (`Toolset.createDeps`), by toolset id; built once per app. A toolset reads
   * its own through its accessor (`tasksOf(ctx)`, `weatherOf(ctx)`).
   */
  deps: Readonly<Record<string, unknown>>;
  /** Aborted when the client cancels the request or the server shuts down. */
  signal: AbortSignal;
  /** The call's result budget in o200k_base tokens, set by the result-budget middleware; tools without a `max_tokens` argument fit their result to it (get_task's comments). */
  resultTokens?: number;
  /** Reports progress when the client sent a progress token; a no-op otherwise. */
  progress: (progress: number, total?: number, message?: string) => Promise<void>;
  /** Tell connected clients a list changed (`notifications/{tools,prompts,resources}/list_changed`). */
  announceListChanged: (kind: 'tools' | 'prompts' | 'resources') => void;
  /**
   * Send a request-scoped `notifications/message` at `level`; present only when
   * the client asked for log messages (2025 `logging/setLevel`, 2026 `logLevel`
   * envelope key). The SDK drops messages below the client's level.
   */
  clientLog?: (level: 'debug' | 'info' | 'warning' | 'error', data: Record<string, unknown>) => Promise<void>;
  /**
   * Present only while the call runs as an async operation (MCP Tasks
   * extension): park it in `input_required` until the client answers every
   * request through `tasks/update`; resolves with the answers by key.
   * @throws ToolError `cancelled` when the operation is cancelled meanwhile.
   */
  requestInput?: (requests: Record<string, unknown>) => Promise<Record<string, unknown>>;
  /** The SDK's request context, for the few fixtures that need raw protocol access. */
  sdk?: ServerContext;
}

/**
 * `ctx` running under `signal`: both `ctx.signal` (handlers) and `caller.signal` (domain services check it
 * before a write and before COMMIT) are set, so the two never disagree. Used for async operations.
 */
export function withCallSignal(ctx: RequestContext, signal: AbortSignal): RequestContext {
  return { ...ctx, signal, caller: { ...ctx.caller, signal } };
}

/**
 * The same for the timeout middleware's {@link CallAbort}: `caller.signal` is `abort` itself (read live, no
 * `AbortSignal` made), and `ctx.signal` makes the `AbortSignal` on first read. Spreading the result reads it.
 */
export function withCallAbort(ctx: RequestContext, abort: CallAbort): RequestContext {
  return {
    ...ctx,
    get signal() {
      return abort.signal;
    },
    caller: { ...ctx.caller, signal: abort },
  };
}
